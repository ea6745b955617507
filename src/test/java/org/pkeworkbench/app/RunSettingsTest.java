package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javafx.concurrent.Worker;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Run > Settings changes the next edit on the demo model; invalid values keep OK disabled. */
@ExtendWith(ApplicationExtension.class)
class RunSettingsTest {

    private final List<Worker.State> finishedStates = new CopyOnWriteArrayList<>();
    private int awaitedCalls;
    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        backend = new CoreBackend(new CoreBackend.Settings("cpu", EditSettings.pkeDefaults().withSteps(3),
                LocateSettings.DEFAULT, 12, 2, 4, 4));
        window = new WorkbenchWindow(backend);
        window.worker().stateProperty().addListener((observable, oldState, newState) -> {
            if (newState == Worker.State.SUCCEEDED || newState == Worker.State.FAILED
                    || newState == Worker.State.CANCELLED) {
                finishedStates.add(newState);
            }
        });
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

    private void awaitSuccess() {
        int index = awaitedCalls++;
        FxTestSupport.waitUntil("backend call " + (index + 1) + " finished", () -> finishedStates.size() > index);
        assertEquals(Worker.State.SUCCEEDED, finishedStates.get(index));
    }

    private void type(FxRobot robot, String id, String text) {
        FxTestSupport.onFx(() -> {
            robot.lookup("#" + id).queryTextInputControl().setText(text);
            return null;
        });
    }

    @Test
    void settingsChangeNextEdit(FxRobot robot) {
        robot.clickOn("Run").clickOn("Settings…");
        FxTestSupport.waitUntil("dialog open", () -> robot.lookup("#runSettingsDialog").tryQuery().isPresent());
        DialogPane dialog = robot.lookup("#runSettingsDialog").queryAs(DialogPane.class);
        Node ok = dialog.lookupButton(ButtonType.OK);

        type(robot, "learningRateField", "fast");
        assertTrue(ok.isDisabled(), "OK is disabled while a value is invalid");
        String problem = robot.lookup("#settingsProblemLabel").queryLabeled().getText();
        assertEquals("Learning rate must be a number, got 'fast'", problem);

        type(robot, "learningRateField", "0.01");
        type(robot, "editStepsField", "2");
        type(robot, "evalPromptsField", "3");
        assertFalse(ok.isDisabled());
        robot.clickOn(ok);

        CoreBackend.Settings settings = backend.runSettings();
        assertEquals(2, settings.editSettings().steps());
        assertEquals(0.01, settings.editSettings().learningRate());
        assertEquals(3, settings.maxEvalPrompts());
        assertEquals("cpu", settings.device(), "the device is not a run setting");

        robot.clickOn("#openDemoModelButton");
        awaitSuccess();
        robot.clickOn("#locateButton");
        awaitSuccess();
        FxTestSupport.onFx(() -> {
            window.hotSpotTable().acceptSuggested();
            return null;
        });
        robot.clickOn("#runEditButton");
        awaitSuccess();
        EditSummary summary = FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow();
        assertEquals(2, summary.steps());
        assertEquals(3, summary.asrBefore().total());
    }
}
