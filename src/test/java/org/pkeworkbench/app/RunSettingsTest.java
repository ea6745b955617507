package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.Node;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Run > Settings changes the next edit on the demo model; invalid values keep OK disabled. */
@ExtendWith(ApplicationExtension.class)
class RunSettingsTest {

    private DemoWindow demo;
    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        demo = DemoWindow.show(stage);
        backend = demo.backend();
        window = demo.window();
    }

    @AfterEach
    void shutDown() {
        demo.close();
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
        demo.awaitSuccess();
        assertEquals("Eval set: 100 prompts (demo-eval.jsonl), first 3 used",
                FxTestSupport.onFx(() -> window.summaryPane().datasetTitle(DatasetRole.EVALUATION)));
        assertEquals("Edit set: 60 prompts (demo-edit.jsonl), first 4 used",
                FxTestSupport.onFx(() -> window.summaryPane().datasetTitle(DatasetRole.EDIT)));
        robot.clickOn("#locateButton");
        demo.awaitSuccess();
        FxTestSupport.onFx(() -> {
            window.hotSpotTable().acceptSuggested();
            return null;
        });
        robot.clickOn("#runEditButton");
        demo.awaitSuccess();
        EditSummary summary = FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow();
        assertEquals(2, summary.steps());
        assertEquals(3, summary.asrBefore().total());
    }
}
