package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import javafx.scene.Node;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.model.LibtorchThreads;
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

    /** Values out of range name their limit, and a very high learning rate gets a warning but stays allowed. */
    @Test
    void outOfRangeValuesNameLimits(FxRobot robot) {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        robot.clickOn("Run").clickOn("Settings…");
        FxTestSupport.waitUntil("dialog open", () -> robot.lookup("#runSettingsDialog").tryQuery().isPresent());
        DialogPane dialog = robot.lookup("#runSettingsDialog").queryAs(DialogPane.class);
        Node ok = dialog.lookupButton(ButtonType.OK);

        type(robot, "editStepsField", "99999999999999999999");
        assertEquals("Edit steps must be at most 2147483647, got 99999999999999999999", problem(robot));
        assertTrue(ok.isDisabled());
        type(robot, "editStepsField", "3");

        type(robot, "learningRateField", "Infinity");
        assertEquals("Learning rate must be a finite number, got Infinity", problem(robot));
        type(robot, "learningRateField", "2");
        assertEquals("", problem(robot));
        assertFalse(ok.isDisabled(), "a high learning rate is allowed");
        assertTrue(robot.lookup("#settingsWarningLabel").queryLabeled().getText().startsWith("A learning rate above 1"));
        type(robot, "learningRateField", "0.005");
        assertEquals("", robot.lookup("#settingsWarningLabel").queryLabeled().getText());

        type(robot, "hotSpotLayersField", "99");
        assertEquals("Hot-spot layers must be at most 5, the decoder layers of the loaded model, got 99", problem(robot));
        assertTrue(ok.isDisabled());
        type(robot, "hotSpotLayersField", "5");
        assertFalse(ok.isDisabled(), "every layer of the model is allowed");
    }

    private static String problem(FxRobot robot) {
        return robot.lookup("#settingsProblemLabel").queryLabeled().getText();
    }

    /**
     * The thread count in the dialog is set on the background thread, which runs the model, and the
     * other settings change too. libtorch keeps the count per thread, so the test thread cannot read it.
     */
    @Test
    void cpuThreadsSetOnBackgroundThread(FxRobot robot) {
        assumeTrue(LibtorchThreads.maximum() >= 2, "changing the thread count needs 2 processors");
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        int before = backend.cpuThreads();
        assertTrue(before >= 1, "a loaded model reports libtorch's threads, got " + before);
        // The tests run with OMP_NUM_THREADS=1 (pom.xml), so the usual change is from 1 to 2.
        int next = before == 1 ? 2 : 1;
        try {
            robot.clickOn("Run").clickOn("Settings…");
            FxTestSupport.waitUntil("dialog open", () -> robot.lookup("#runSettingsDialog").tryQuery().isPresent());
            DialogPane dialog = robot.lookup("#runSettingsDialog").queryAs(DialogPane.class);
            Node ok = dialog.lookupButton(ButtonType.OK);
            assertEquals(Integer.toString(before), robot.lookup("#cpuThreadsField").queryTextInputControl().getText());

            type(robot, "cpuThreadsField", "0");
            assertTrue(ok.isDisabled(), "0 threads keeps OK disabled");
            assertEquals("CPU threads per operation must be at least 1, got 0",
                    robot.lookup("#settingsProblemLabel").queryLabeled().getText());
            int tooMany = LibtorchThreads.maximum() + 1;
            type(robot, "cpuThreadsField", Integer.toString(tooMany));
            assertTrue(ok.isDisabled(), "more threads than processors keeps OK disabled");
            assertTrue(robot.lookup("#settingsProblemLabel").queryLabeled().getText()
                    .startsWith("CPU threads per operation must be at most " + LibtorchThreads.maximum()));

            type(robot, "cpuThreadsField", Integer.toString(next));
            type(robot, "editStepsField", "3");
            robot.clickOn(ok);
            demo.awaitSuccess();

            assertEquals(next, backend.cpuThreads(), "libtorch's threads on the background thread");
            assertEquals(3, backend.runSettings().editSettings().steps());
            assertEquals("Settings changed: 3 edit steps, learning rate 0.005, 12 new tokens per answer, " + next
                    + (next == 1 ? " CPU thread" : " CPU threads") + " per operation",
                    FxTestSupport.onFx(() -> window.statusBar().getText()));
        } finally {
            // Threads that start later take the last count set, so later tests get the old one back.
            LibtorchThreads.set(before);
        }
    }
}
