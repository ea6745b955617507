package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The light and dark themes, switched from the View menu. */
@ExtendWith(ApplicationExtension.class)
class ThemeTest {

    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
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

    private double labelBrightness(FxRobot robot) {
        return FxTestSupport.onFx(() -> {
            Label label = robot.lookup("No model loaded").queryAs(Label.class);
            label.applyCss();
            return ((Color) label.getTextFill()).getBrightness();
        });
    }

    @Test
    void viewMenuSwitchesBetweenLightAndDark(FxRobot robot) throws Exception {
        assertEquals(Theme.LIGHT, window.themeProperty().get());
        assertFalse(FxTestSupport.onFx(() -> window.getScene().getStylesheets().stream()
                .anyMatch(sheet -> sheet.endsWith("dark.css"))));
        double lightText = labelBrightness(robot);

        robot.clickOn("View").clickOn("Dark theme");
        assertEquals(Theme.DARK, FxTestSupport.onFx(() -> window.themeProperty().get()));
        assertTrue(FxTestSupport.onFx(() -> window.getScene().getStylesheets().stream()
                .anyMatch(sheet -> sheet.endsWith("dark.css"))));
        double darkText = labelBrightness(robot);
        assertTrue(darkText > lightText + 0.5, "text turns light on the dark theme: " + lightText + " -> " + darkText);
        FxTestSupport.saveSnapshot(window, "theme-dark");

        robot.clickOn("View").clickOn("Light theme");
        assertEquals(lightText, labelBrightness(robot), 1e-9);
    }
}
