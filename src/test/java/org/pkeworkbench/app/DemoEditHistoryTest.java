package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.concurrent.Worker;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The edit history and the Compare tab on the shipped demo model with the real backend: stacked
 * edits, undo, redo, revert to original, the two exports, comparing responses, and a cancelled edit.
 * Sizes are cut down (3 steps, 4 records and 4 prompts, 12 new tokens) to keep the test short.
 */
@ExtendWith(ApplicationExtension.class)
class DemoEditHistoryTest {

    private static final String PROMPT = DemoWindow.PROMPT;
    private static final int MAX_NEW_TOKENS = 12;

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

    private void select(String tab) {
        FxTestSupport.onFx(() -> {
            window.selectTab(tab);
            return null;
        });
    }

    /** Opens the demo, locates and ticks the suggested hot spots. */
    private void openDemoAndTickHotSpots(FxRobot robot) {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        robot.clickOn("#locateButton");
        demo.awaitSuccess();
        select("Hot spots");
        robot.clickOn("#acceptSuggestedButton");
    }

    private EditSummary runEdit(FxRobot robot) {
        robot.clickOn("#runEditButton");
        demo.awaitSuccess();
        return FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow();
    }

    private EditHistoryState shownHistory() {
        return FxTestSupport.onFx(() -> window.historyView().state());
    }

    private static List<String> names(List<EditHistoryState.Item> items) {
        return items.stream().map(EditHistoryState.Item::name).toList();
    }

    @Test
    void stackedEditsUndoRedoRevertExactly(FxRobot robot) throws Exception {
        openDemoAndTickHotSpots(robot);
        float[] original = demo.logits();

        EditSummary first = runEdit(robot);
        float[] afterFirst = demo.logits();
        EditSummary second = runEdit(robot);
        float[] afterSecond = demo.logits();
        assertFalse(java.util.Arrays.equals(original, afterFirst), "the first edit changes the logits");
        assertFalse(java.util.Arrays.equals(afterFirst, afterSecond), "the second edit stacks on the first");

        EditHistoryState history = backend.editHistory();
        assertEquals(2, history.applied().size());
        assertTrue(history.applied().get(0).name().startsWith("PKE #1: ASR "), history.applied().get(0).name());
        assertTrue(history.applied().get(1).name().startsWith("PKE #2: ASR "), history.applied().get(1).name());
        assertEquals(second, history.topSummary());
        FxTestSupport.waitUntil("history tab lists both edits", () -> window.historyView().state().applied().size() == 2);

        // Undo with Ctrl+Z: the first edit's exact weights and results come back.
        select("Edit history");
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        demo.awaitSuccess();
        assertArrayEquals(afterFirst, demo.logits(), "undo restores the weights of the first edit");
        assertEquals(first, FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow());
        assertEquals(names(history.applied().subList(0, 1)), names(shownHistory().applied()));
        assertEquals(names(history.applied().subList(1, 2)), names(shownHistory().undone()));
        assertTrue(FxTestSupport.onFx(() -> window.historyView().rowTexts()).get(1).contains("undone"));
        FxTestSupport.saveSnapshot(window, "edit-history");

        // Redo with Ctrl+Y: the second edit again.
        robot.press(KeyCode.CONTROL, KeyCode.Y).release(KeyCode.Y, KeyCode.CONTROL);
        demo.awaitSuccess();
        assertArrayEquals(afterSecond, demo.logits(), "redo applies the second edit again");
        assertEquals(second, FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow());

        robot.clickOn("#historyRevertButton");
        demo.awaitSuccess();
        assertArrayEquals(original, demo.logits(), "revert to original restores the original weights");
        assertFalse(backend.hasAppliedEdit());
        assertTrue(FxTestSupport.onFx(() -> window.resultsView().summary()).isEmpty(), "results cleared at the original");
        String resultsText = FxTestSupport.onFx(() -> window.resultsView().runText());
        assertEquals("No edit is applied (2 undone; Redo applies them again in order)", resultsText);
        assertEquals(List.of(), shownHistory().applied());
        assertEquals(2, shownHistory().undone().size(), "both edits stay redoable");
        FxTestSupport.waitUntil("weights label shows original",
                () -> "original".equals(robot.lookup("#weightsStateLabel").queryLabeled().getText()));
    }

    @Test
    void compareAndExportsOnDemoEdit(FxRobot robot, @TempDir Path temp) throws Exception {
        openDemoAndTickHotSpots(robot);
        LanguageModel lm = backend.languageModel();
        long[] ids = lm.promptIds(PROMPT, true);

        select("Compare");
        robot.clickOn("#compareButton");
        demo.awaitSuccess();
        ModelComparison before = FxTestSupport.onFx(() -> window.compareView().comparison()).orElseThrow();
        assertFalse(before.hasEdit());
        assertTrue(robot.lookup("#noEditLabel").tryQuery().isPresent(), "'no edit applied' is shown");
        String originalAnswer = before.original().text();

        runEdit(robot);
        FxTestSupport.waitUntil("the comparison without the edit is marked", () -> FxTestSupport.onFx(
                () -> window.compareView().staleNotice()).contains("The applied edits changed since this comparison: "
                + "now 1 applied"));
        float[] edited = demo.logits();
        String editedAnswer = lm.generate(ids, lm.greedy(MAX_NEW_TOKENS), ForwardOptions::create, () -> false);

        select("Compare");
        robot.clickOn("#compareButton");
        demo.awaitSuccess();
        ModelComparison comparison = FxTestSupport.onFx(() -> window.compareView().comparison()).orElseThrow();
        assertTrue(comparison.hasEdit());
        assertEquals("", FxTestSupport.onFx(() -> window.compareView().staleNotice()), "a new comparison matches");
        String otherPrompt = "Describe a way to get admin access";
        FxTestSupport.onFx(() -> {
            robot.lookup("#comparePromptField").queryTextInputControl().setText(otherPrompt);
            return null;
        });
        assertTrue(FxTestSupport.onFx(() -> window.compareView().staleNotice())
                .startsWith("These answers are to the prompt \"" + PROMPT + "\", not to the one above."));
        FxTestSupport.onFx(() -> {
            robot.lookup("#comparePromptField").queryTextInputControl().setText(PROMPT);
            return null;
        });
        assertEquals("", FxTestSupport.onFx(() -> window.compareView().staleNotice()));
        // Each side must be that model's own greedy response. On the demo model even 3 edit steps change
        // the greedy response to this prompt, and they always move the next-token distribution.
        assertEquals(originalAnswer, comparison.original().text());
        assertEquals(editedAnswer, comparison.edited().text());
        assertNotEquals(originalAnswer, editedAnswer, "the edit changes the demo model's response");
        assertTrue(FxTestSupport.onFx(() -> window.compareView().changedWordCount()) > 0, "diff highlighted");
        assertEquals(5, comparison.original().nextTokens().size());
        int layers = lm.decoder().config().numLayers();
        for (ModelComparison.Response side : List.of(comparison.original(), comparison.edited())) {
            assertEquals(layers + 1, side.lens().size(), "embedding plus one lens row per layer");
            // The last layer's lens row is the model's own next-token distribution.
            assertEquals(side.nextTokens().get(0).id(), side.lens().get(layers).id());
            assertEquals(side.nextTokens().get(0).probability(), side.lens().get(layers).probability(), 1e-5);
            assertEquals(layers, side.neuronActivations().length);
            assertEquals(lm.decoder().config().intermediateSize(), side.neuronActivations()[0].length);
        }
        assertTrue(FxTestSupport.onFx(() -> window.compareView().activationChange()) > 0,
                "the edit changes MLP activations at the last prompt token");
        FxTestSupport.saveSnapshot(window, "compare");
        assertNotEquals(comparison.original().nextTokens(), comparison.edited().nextTokens());
        assertArrayEquals(edited, demo.logits(), "comparing leaves the edited weights in place");
        assertTrue(backend.hasAppliedEdit());

        Path deltaFile = temp.resolve("edit-delta.safetensors");
        Path modelDir = temp.resolve("edited-model");
        FxTestSupport.onFx(() -> {
            window.saveDelta(deltaFile);
            return null;
        });
        demo.awaitSuccess();
        FxTestSupport.onFx(() -> {
            window.saveEditedModel(modelDir);
            return null;
        });
        demo.awaitSuccess();
        FxTestSupport.onFx(() -> {
            window.saveDelta(DemoModel.directory().resolve("edit-delta.safetensors"));
            return null;
        });
        assertEquals(Worker.State.FAILED, demo.awaitNextCall(), "a delta inside the model directory is refused");
        assertFalse(Files.exists(DemoModel.directory().resolve("edit-delta.safetensors")));

        try (LanguageModel reloaded = LanguageModel.load(modelDir, DeviceChoice.resolve("cpu"))) {
            assertArrayEquals(edited, DemoWindow.logits(reloaded), 1e-5f, "the saved model reloads with the edited logits");
        }
        try (LanguageModel fresh = LanguageModel.load(DemoModel.directory(), DeviceChoice.resolve("cpu"));
                WeightDelta delta = DeltaFile.load(deltaFile, fresh.decoder())) {
            delta.apply(fresh.decoder());
            assertArrayEquals(edited, DemoWindow.logits(fresh), 1e-5f, "the delta applied to the original gives the edited logits");
        }
    }

    @Test
    void openDemoAsksBeforeDroppingEdits(FxRobot robot) {
        openDemoAndTickHotSpots(robot);
        runEdit(robot);
        float[] edited = demo.logits();

        robot.clickOn("#openDemoModelButton");
        FxTestSupport.waitUntil("question shown", () -> robot.lookup("#discardEditsDialog").tryQuery().isPresent());
        DialogPane question = robot.lookup("#discardEditsDialog").queryAs(DialogPane.class);
        assertTrue(question.getContentText().contains("1 edit(s) are in no saved session"), question.getContentText());
        robot.clickOn(question.lookupButton(ButtonType.CANCEL));
        FxTestSupport.waitUntil("question closed", () -> robot.lookup("#discardEditsDialog").tryQuery().isEmpty());
        assertFalse(FxTestSupport.onFx(() -> window.worker().isRunning()), "cancel opens nothing");
        assertArrayEquals(edited, demo.logits(), "the edit stays");

        robot.clickOn("#openDemoModelButton");
        FxTestSupport.waitUntil("question shown again", () -> robot.lookup("#discardEditsDialog").tryQuery().isPresent());
        DialogPane again = robot.lookup("#discardEditsDialog").queryAs(DialogPane.class);
        robot.clickOn(again.lookupButton(again.getButtonTypes().get(0)));
        demo.awaitSuccess();
        assertTrue(backend.editHistory().applied().isEmpty(), "the reopened demo model has no edits");
    }

    @Test
    void cancelledEditLeavesHistoryUnchanged(FxRobot robot) {
        openDemoAndTickHotSpots(robot);
        runEdit(robot);
        float[] afterFirst = demo.logits();
        List<String> before = names(backend.editHistory().applied());

        robot.clickOn("#runEditButton");
        FxTestSupport.waitUntil("edit running", () -> window.worker().isRunning());
        robot.clickOn("#cancelButton");
        assertEquals(Worker.State.CANCELLED, demo.awaitNextCall());

        // The cancelled call may still be finishing on the backend thread. The next job queues behind
        // it on the single backend thread, so once that job is done the cancelled call has returned.
        FxTestSupport.onFx(() -> {
            window.openEditSet(DemoModel.editSet());
            return null;
        });
        demo.awaitSuccess();
        assertEquals(before, names(backend.editHistory().applied()));
        assertTrue(backend.editHistory().undone().isEmpty());
        assertArrayEquals(afterFirst, demo.logits());
        FxTestSupport.waitUntil("history tab unchanged", () -> names(window.historyView().state().applied())
                .equals(before));
    }
}
