package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The window layout and theme survive a restart through the settings directory. */
@ExtendWith(ApplicationExtension.class)
class WindowLayoutTest {

    private CoreBackend backend;
    private WorkbenchWindow window;
    private Stage stage;

    @Start
    void start(Stage primary) {
        stage = primary;
        backend = new CoreBackend();
        window = new WorkbenchWindow(backend);
        stage.setScene(new Scene(window, 1280, 800));
        stage.show();
    }

    @AfterEach
    void shutDown() {
        FxTestSupport.onFx(() -> {
            window.shutdown();
            return null;
        });
        backend.close();
    }

    @Test
    void layoutRestoredInNewWindow(@TempDir Path temp) {
        WorkbenchSettings settings = new WorkbenchSettings(temp.resolve("settings"));
        // Separate stages: the primary stage is shared by every JavaFX test, so its size must not change.
        FxTestSupport.onFx(() -> {
            Stage first = new Stage();
            first.setScene(new Scene(new javafx.scene.layout.Pane(), 640, 480));
            first.setX(40);
            first.setY(30);
            first.setWidth(1000);
            first.setHeight(700);
            window.themeProperty().set(Theme.DARK);
            window.selectTab("Compare");
            WindowLayout.capture(first, window).save(settings);
            return null;
        });
        assertTrue(Files.exists(settings.file(WindowLayout.SETTINGS_NAME)));

        WindowLayout restored = WindowLayout.load(settings).orElseThrow();
        assertEquals(new WindowLayout(40, 30, 1000, 700, false, "Compare", Theme.DARK), restored);
        WorkbenchWindow second = FxTestSupport.onFx(() -> {
            WorkbenchWindow next = new WorkbenchWindow(backend);
            Stage other = new Stage();
            other.setScene(new Scene(next, 640, 480));
            restored.applyTo(other, next);
            other.show();
            assertEquals(1000, other.getWidth(), 1e-9);
            assertEquals(700, other.getHeight(), 1e-9);
            assertEquals(40, other.getX(), 1e-9);
            other.hide();
            return next;
        });
        assertEquals(Theme.DARK, FxTestSupport.onFx(() -> second.themeProperty().get()));
        assertEquals("Compare", FxTestSupport.onFx(second::selectedTabTitle));
        FxTestSupport.onFx(() -> {
            second.shutdown();
            return null;
        });
    }

    @Test
    void damagedOrOffScreenLayoutFallsBackSafely(@TempDir Path temp) throws Exception {
        WorkbenchSettings settings = new WorkbenchSettings(temp);
        Files.writeString(settings.file(WindowLayout.SETTINGS_NAME), "{ not json");
        assertTrue(WindowLayout.load(settings).isEmpty(), "a damaged file gives the defaults");

        WindowLayout offScreen = new WindowLayout(50_000, 50_000, 300, 200, false, "No such tab", Theme.LIGHT);
        Stage other = FxTestSupport.onFx(() -> {
            Stage next = new Stage();
            next.setScene(new Scene(new javafx.scene.layout.Pane(), 640, 480));
            offScreen.applyTo(next, window);
            next.show();
            return next;
        });
        assertTrue(FxTestSupport.onFx(() -> other.getX()) < 10_000, "a position on no screen is not used");
        assertEquals(WindowLayout.MIN_WIDTH, FxTestSupport.onFx(() -> other.getWidth()), 1e-9);
        FxTestSupport.onFx(() -> {
            other.hide();
            return null;
        });
        assertEquals("Pathways", FxTestSupport.onFx(window::selectedTabTitle), "an unknown tab is ignored");
    }
}
