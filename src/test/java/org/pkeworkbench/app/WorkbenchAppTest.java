package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.application.Application;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DialogPane;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;

class WorkbenchAppTest {

    private Application application;
    private String savedSettingsDirectory;

    /**
     * Gives each start an empty settings directory: the app restores a stored window layout onto the
     * primary stage, which every JavaFX test shares, and offers stored autosaves in a dialog.
     */
    @BeforeEach
    void useEmptySettings(@TempDir Path settings) {
        savedSettingsDirectory = System.getProperty(WorkbenchSettings.DIRECTORY_PROPERTY);
        System.setProperty(WorkbenchSettings.DIRECTORY_PROPERTY, settings.toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (application != null) {
            FxToolkit.cleanupApplication(application);
        }
        WorkbenchApp.setBackendFactory(CoreBackend::new);
        if (savedSettingsDirectory == null) {
            System.clearProperty(WorkbenchSettings.DIRECTORY_PROPERTY);
        } else {
            System.setProperty(WorkbenchSettings.DIRECTORY_PROPERTY, savedSettingsDirectory);
        }
    }

    @Test
    void startOpensModelArgument() throws Exception {
        WorkbenchApp.setBackendFactory(SeededTestBackend::new);
        FxToolkit.registerPrimaryStage();

        application = FxToolkit.setupApplication(WorkbenchApp.class, SeededTestBackend.stories260K().toString());

        FxRobot robot = new FxRobot();
        FxTestSupport.waitUntil("model summary shown", () -> robot.lookup("stories260K").tryQuery().isPresent());
        String title = FxTestSupport.onFx(() -> Window.getWindows().stream()
                .filter(Stage.class::isInstance)
                .map(window -> ((Stage) window).getTitle())
                .filter(text -> text.startsWith("PKE Workbench"))
                .findFirst()
                .orElse(""));
        assertEquals("PKE Workbench - stories260K", title, "the title names the loaded model");
    }

    @Test
    void unconfiguredBackendShowsAlert() throws Exception {
        WorkbenchApp.setBackendFactory(UnconfiguredBackend::new);
        FxToolkit.registerPrimaryStage();
        application = FxToolkit.setupApplication(WorkbenchApp.class);
        FxRobot robot = new FxRobot();

        robot.clickOn("#openDemoModelButton");

        FxTestSupport.waitUntil("error dialog shown", () -> robot.lookup("#errorDialog").tryQuery().isPresent());
        DialogPane dialog = robot.lookup("#errorDialog").queryAs(DialogPane.class);
        String content = FxTestSupport.onFx(dialog::getContentText);
        assertTrue(content.contains("No model backend is installed"), content);

        // The alert is application-modal, so it must be closed before later tests can click.
        robot.clickOn(dialog.lookupButton(ButtonType.OK));
        FxTestSupport.waitUntil("error dialog closed", () -> robot.lookup("#errorDialog").tryQuery().isEmpty());
    }

    @Test
    void missingGpuIsReportedInTheWindow() throws Exception {
        Assumptions.assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0,
                "this machine has a GPU");
        CoreBackend.Settings defaults = CoreBackend.Settings.defaults();
        CoreBackend.Settings gpu = new CoreBackend.Settings("gpu", defaults.editSettings(), defaults.locateSettings(),
                defaults.maxNewTokens(), defaults.localityCount(), defaults.maxEditRecords(), defaults.maxEvalPrompts());
        WorkbenchApp.setBackendFactory(() -> new CoreBackend(gpu));
        FxToolkit.registerPrimaryStage();

        application = FxToolkit.setupApplication(WorkbenchApp.class, SeededTestBackend.stories260K().toString());

        FxRobot robot = new FxRobot();
        FxTestSupport.waitUntil("error dialog shown", () -> robot.lookup("#errorDialog").tryQuery().isPresent());
        DialogPane error = robot.lookup("#errorDialog").queryAs(DialogPane.class);
        String content = FxTestSupport.onFx(error::getContentText);
        assertTrue(content.contains("Device 'gpu' was requested but libtorch sees no CUDA GPU"), content);
        assertTrue(content.contains("Otherwise choose device 'cpu' or 'auto'"), content);
        robot.clickOn(error.lookupButton(ButtonType.OK));
        FxTestSupport.waitUntil("error dialog closed", () -> robot.lookup("#errorDialog").tryQuery().isEmpty());
        ComboBox<?> device = robot.lookup("#deviceChoice").queryAs(ComboBox.class);
        assertEquals("gpu", FxTestSupport.onFx(device::getValue), "the device box shows the request, ready to change");
    }

    @Test
    void recoveryOfferSurvivesModelError(@TempDir Path temp) throws Exception {
        Path settings = Path.of(System.getProperty(WorkbenchSettings.DIRECTORY_PROPERTY));
        Path autosave = Files.createDirectories(settings.resolve("autosave").resolve("unsaved" + SessionStore.EXTENSION));
        Files.writeString(autosave.resolve(SessionStore.SESSION_JSON), "{}");
        Path damaged = Files.createDirectories(temp.resolve("damaged"));
        Files.writeString(damaged.resolve("config.json"), "{ not json");
        FxToolkit.registerPrimaryStage();

        application = FxToolkit.setupApplication(WorkbenchApp.class, damaged.toString());

        FxRobot robot = new FxRobot();
        FxTestSupport.waitUntil("error dialog shown", () -> robot.lookup("#errorDialog").tryQuery().isPresent());
        DialogPane error = robot.lookup("#errorDialog").queryAs(DialogPane.class);
        assertTrue(FxTestSupport.onFx(() -> error.getContentText()).contains("config.json is not valid JSON"));
        robot.clickOn(error.lookupButton(ButtonType.OK));
        FxTestSupport.waitUntil("error dialog closed", () -> robot.lookup("#errorDialog").tryQuery().isEmpty());

        // The offer, shown before the model opened, is still there once the error is closed.
        assertTrue(FxTestSupport.onFx(() -> showingTitles().contains("Restore unsaved work")));
        robot.clickOn("Not now");
        FxTestSupport.waitUntil("offer closed", () -> !showingTitles().contains("Restore unsaved work"));
        assertTrue(Files.isRegularFile(autosave.resolve(SessionStore.SESSION_JSON)), "Not now keeps the autosave");
    }

    private static List<String> showingTitles() {
        return Window.getWindows().stream()
                .filter(window -> window.isShowing() && window instanceof Stage)
                .map(window -> ((Stage) window).getTitle())
                .toList();
    }
}
