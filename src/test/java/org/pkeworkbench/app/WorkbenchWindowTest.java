package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javafx.concurrent.Worker;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.DialogPane;
import javafx.scene.control.ButtonType;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.locate.HotSpot;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class WorkbenchWindowTest {

    private final SeededTestBackend backend = new SeededTestBackend();
    private final List<Worker.State> finishedStates = new CopyOnWriteArrayList<>();
    private int awaitedCalls;
    private WorkbenchWindow window;
    private Scene scene;

    @Start
    void start(Stage stage) {
        window = new WorkbenchWindow(backend);
        window.worker().stateProperty().addListener((observable, oldState, newState) -> {
            if (newState == Worker.State.SUCCEEDED || newState == Worker.State.FAILED || newState == Worker.State.CANCELLED) {
                finishedStates.add(newState);
            }
        });
        scene = new Scene(window, 1280, 800);
        stage.setScene(scene);
        stage.show();
    }

    @AfterEach
    void shutDown() {
        FxTestSupport.onFx(() -> {
            window.shutdown();
            return null;
        });
    }

    @Test
    void openModelShowsSummary(FxRobot robot) {
        openModelAndSets();

        ModelSummaryPane summary = window.summaryPane();
        assertEquals(7, FxTestSupport.onFx(() -> summary.prompts(DatasetRole.EDIT)).size());
        assertEquals(7, FxTestSupport.onFx(() -> summary.prompts(DatasetRole.EVALUATION)).size());
        assertTrue(robot.lookup("LlamaForCausalLM").tryQuery().isPresent(), "architecture shown");
        assertTrue(robot.lookup("172").tryQuery().isPresent(), "MLP neurons per layer shown");
        assertEquals("original", robot.lookup("#weightsStateLabel").queryLabeled().getText());
    }

    @Test
    void locateFillsViews(FxRobot robot) {
        openModelAndSets();

        robot.clickOn("#locateButton");
        waitForSuccess();

        Set<Integer> suggestedLayers = SeededTestBackend.seededLocateResult(5, 172).suggested().stream()
                .map(HotSpot::layer)
                .collect(Collectors.toSet());
        assertEquals(2, suggestedLayers.size());
        assertEquals(suggestedLayers, FxTestSupport.onFx(() -> window.pathwayChart().highlightedLayers()));
        double[] combined = FxTestSupport.onFx(() -> window.pathwayChart().plottedValues(PathwayChartView.COMBINED));
        assertEquals(5, combined.length);
        assertEquals(1.0, Arrays.stream(combined).max().orElseThrow(), 1e-12, "normalised to max 1");
        robot.clickOn("Neurons");
        FxTestSupport.waitUntil("heatmap drawn", () -> window.heatmap().grid().isPresent());
        assertEquals(172, FxTestSupport.onFx(() -> window.heatmap().grid().orElseThrow().neuronCount()));
        assertEquals(5, FxTestSupport.onFx(() -> window.hotSpotTable().rowCount()));
    }

    @Test
    void runEditShowsProgressAndResults(FxRobot robot) throws InterruptedException {
        openModelAndSets();
        locateAndAcceptSuggested(robot);
        CountDownLatch resume = new CountDownLatch(1);
        backend.editResume = resume;

        robot.clickOn("#runEditButton");

        assertTrue(backend.editPaused.await(FxTestSupport.WAIT_SECONDS, TimeUnit.SECONDS), "edit reached its middle step");
        FxTestSupport.waitUntil("status bar shows edit progress", () -> {
            double progress = window.statusBar().getProgress();
            return progress > 0 && progress < 1 && window.statusBar().getText().startsWith("Edit step");
        });
        assertFalse(FxTestSupport.onFx(() -> robot.lookup("#cancelButton").queryAs(Button.class).isDisabled()),
                "Cancel is enabled while the edit runs");
        resume.countDown();
        waitForSuccess();

        EditSummary summary = FxTestSupport.onFx(() -> window.resultsView().summary().orElseThrow());
        assertEquals(summary.asrBefore().value(), FxTestSupport.onFx(() -> window.resultsView().plottedAsr(AsrChartView.BEFORE)).orElseThrow());
        assertEquals(summary.asrAfter().value(), FxTestSupport.onFx(() -> window.resultsView().plottedAsr(AsrChartView.AFTER)).orElseThrow());
        assertEquals(AsrChartView.formatProportion(summary.asrAfter()), robot.lookup("#asrAfterLabel").queryLabeled().getText());
        assertTrue(robot.lookup("#asrAfterLabel").queryLabeled().getText().contains("95% CI"));
        FxTestSupport.waitUntil("edit state refreshed", () -> window.isEditApplied());
        assertEquals("edited", robot.lookup("#weightsStateLabel").queryLabeled().getText());
        assertEquals(0.0, FxTestSupport.onFx(() -> window.statusBar().getProgress()), "progress resets when idle");

        robot.clickOn("#revertButton");
        waitForSuccess();
        FxTestSupport.waitUntil("edit reverted", () -> !window.isEditApplied());
        assertTrue(backend.weightsUnchanged());
    }

    @Test
    void cancelLeavesModelUnchanged(FxRobot robot) throws InterruptedException {
        openModelAndSets();
        locateAndAcceptSuggested(robot);
        backend.editSteps = 1_000_000;

        robot.clickOn("#runEditButton");
        assertTrue(backend.editStarted.await(FxTestSupport.WAIT_SECONDS, TimeUnit.SECONDS), "edit started");
        FxTestSupport.waitUntil("edit running", () -> window.worker().getState() == Worker.State.RUNNING);
        robot.clickOn("#cancelButton");

        assertEquals(Worker.State.CANCELLED, awaitNextCall());
        assertTrue(backend.editReturned.await(FxTestSupport.WAIT_SECONDS, TimeUnit.SECONDS), "edit call returned after cancel");
        FxTestSupport.waitUntil("cancel reported", () -> window.statusBar().getText().equals("Edit cancelled; the model is unchanged"));
        assertFalse(backend.hasAppliedEdit());
        assertTrue(backend.weightsUnchanged(), "cancelled edit changed no weight");
        assertFalse(FxTestSupport.onFx(window::isEditApplied));
        assertEquals("original", robot.lookup("#weightsStateLabel").queryLabeled().getText());
        assertFalse(FxTestSupport.onFx(() -> robot.lookup("#runEditButton").queryAs(Button.class).isDisabled()),
                "Run edit is enabled again");
        assertTrue(FxTestSupport.onFx(() -> window.resultsView().summary()).isEmpty(), "no results shown");
    }

    @Test
    void failingLocateShowsAlert(FxRobot robot) {
        openModelAndSets();
        backend.nextLocateFailure = new IOException("Edit set record 3 has no safe response. Add one or remove the record.");

        robot.clickOn("#locateButton");

        assertEquals(Worker.State.FAILED, awaitNextCall());
        FxTestSupport.waitUntil("error dialog shown", () -> robot.lookup("#errorDialog").tryQuery().isPresent());
        DialogPane dialog = robot.lookup("#errorDialog").queryAs(DialogPane.class);
        assertEquals("Locate failed", FxTestSupport.onFx(dialog::getHeaderText));
        assertTrue(FxTestSupport.onFx(dialog::getContentText).contains("Edit set record 3 has no safe response"));
        assertEquals("Locate failed", FxTestSupport.onFx(() -> window.statusBar().getText()));

        robot.clickOn(dialog.lookupButton(ButtonType.OK));
        FxTestSupport.waitUntil("error dialog closed", () -> robot.lookup("#errorDialog").tryQuery().isEmpty());
        robot.clickOn("#locateButton");
        waitForSuccess();
        assertEquals(5, FxTestSupport.onFx(() -> window.hotSpotTable().rowCount()), "locate works after the error");
    }

    @Test
    void screenshotOfEachTab(FxRobot robot) throws IOException, InterruptedException {
        openModelAndSets();
        locateAndAcceptSuggested(robot);
        robot.clickOn("#runEditButton");
        waitForSuccess();

        for (String tab : List.of("Pathways", "Neurons", "Hot spots", "Results")) {
            FxTestSupport.onFx(() -> {
                window.selectTab(tab);
                return null;
            });
            if (tab.equals("Neurons")) {
                FxTestSupport.waitUntil("heatmap drawn", () -> window.heatmap().grid().isPresent());
                Node canvas = window.heatmap().canvas();
                robot.moveTo(FxTestSupport.onFx(() -> canvas.localToScreen(window.heatmap().cellCentre(4, 60))));
            }
            Path file = FxTestSupport.saveSnapshot(scene.getRoot(), "workbench-" + tab.replace(' ', '-').toLowerCase());
            assertTrue(Files.size(file) > 10_000, "screenshot " + file + " has content");
        }
    }

    private void openModelAndSets() {
        FxTestSupport.onFx(() -> {
            window.openModel(SeededTestBackend.stories260K());
            return null;
        });
        waitForSuccess();
        FxTestSupport.onFx(() -> {
            window.openEditSet(SeededTestBackend.safeEditSample());
            return null;
        });
        waitForSuccess();
        FxTestSupport.onFx(() -> {
            window.openEvalSet(SeededTestBackend.safeEditSample());
            return null;
        });
        waitForSuccess();
    }

    private void locateAndAcceptSuggested(FxRobot robot) {
        robot.clickOn("#locateButton");
        waitForSuccess();
        robot.clickOn("Hot spots");
        robot.clickOn("#acceptSuggestedButton");
        FxTestSupport.waitUntil("suggested hot spots ticked", () -> window.hotSpotTable().selectedCountProperty().get() == 2);
    }

    /** Waits until the next backend call, in start order, has succeeded and its result handler has run. */
    private void waitForSuccess() {
        Worker.State state = awaitNextCall();
        assertEquals(Worker.State.SUCCEEDED, state, () -> "backend call failed: " + FxTestSupport.onFx(() -> window.worker().getException()));
    }

    /**
     * Waits until the next backend call, in start order, has finished and returns its final state.
     * Counting calls, not reading the current state, keeps a click that is still in the event queue
     * from being mistaken for the previous call's end.
     */
    private Worker.State awaitNextCall() {
        int index = awaitedCalls++;
        FxTestSupport.waitUntil("backend call " + (index + 1) + " finished", () -> finishedStates.size() > index);
        return finishedStates.get(index);
    }
}
