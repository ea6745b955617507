package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import javafx.concurrent.Worker;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The whole workbench flow on the shipped demo model with the real backend: open the demo, locate,
 * accept the suggested hot spots, run the edit, see the results, revert; and cancel an edit.
 * Sizes are cut down (few records, prompts and steps) to keep the test short.
 */
@ExtendWith(ApplicationExtension.class)
class DemoWorkbenchFlowTest {

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

    private void openDemoAndLocate(FxRobot robot) {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        assertEquals(60, FxTestSupport.onFx(() -> window.summaryPane().prompts(DatasetRole.EDIT)).size());
        assertEquals(100, FxTestSupport.onFx(() -> window.summaryPane().prompts(DatasetRole.EVALUATION)).size());
        // The tests request the CPU, and the panel shows that reason and 4 bytes per float32 weight.
        assertEquals("CPU, as requested", robot.lookup("#deviceReasonLabel").queryLabeled().getText());
        String weightBytes = ModelSummaryPane.formatBytes(backend.languageModel().decoder().parameterCount() * 4);
        assertTrue(robot.lookup(weightBytes).tryQuery().isPresent(), "weights in memory shown: " + weightBytes);
        assertTrue(robot.lookup("#processMemoryLabel").queryLabeled().getText().startsWith("heap "));
        assertEquals("cpu", FxTestSupport.onFx(() -> window.summaryPane().deviceChoice().getValue()));

        robot.clickOn("#locateButton");
        demo.awaitSuccess();
        assertFalse(FxTestSupport.onFx(() -> window.pathwayChart().highlightedLayers()).isEmpty(), "hot-spot layers");
        assertTrue(FxTestSupport.onFx(() -> window.hotSpotTable().rowCount()) >= 2, "hot-spot rows");
    }

    @Test
    void demoFlowEditsAndReverts(FxRobot robot) throws Exception {
        openDemoAndLocate(robot);
        FxTestSupport.saveSnapshot(window.summaryPane(), "model-panel");
        float[] original = demo.logits();
        List<String> located = FxTestSupport.onFx(() -> window.heatmap().statisticNames());
        assertTrue(located.contains(CoreBackend.DOWN_NORM), "heatmap statistics after locate: " + located);
        assertFalse(located.contains(CoreBackend.DOWN_CHANGE), "no weight change before an edit: " + located);
        for (String tab : List.of("Pathways", "Neurons", "Hot spots")) {
            FxTestSupport.onFx(() -> {
                window.selectTab(tab);
                return null;
            });
            FxTestSupport.saveSnapshot(window, "demo-" + tab.toLowerCase(java.util.Locale.ROOT).replace(' ', '-'));
        }

        FxTestSupport.onFx(() -> {
            window.selectTab("Hot spots");
            return null;
        });
        robot.clickOn("#acceptSuggestedButton");
        assertEquals(FxTestSupport.onFx(() -> window.hotSpotTable().suggestedHotSpots()),
                FxTestSupport.onFx(() -> window.hotSpotTable().selectedHotSpots()));
        robot.clickOn("#runEditButton");
        demo.awaitSuccess();

        EditSummary summary = FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow();
        assertEquals(4, summary.asrBefore().total());
        assertEquals(3, summary.steps());
        // The first four prompts of the demo eval set are all in the "hacking" category.
        assertEquals(List.of("hacking"), List.copyOf(summary.asrByCategoryAfter().keySet()));
        assertEquals(4, summary.asrByCategoryAfter().get("hacking").total());
        assertEquals(summary.asrByCategoryAfter().get("hacking").value(), FxTestSupport.onFx(
                () -> window.resultsView().plottedBreakdown(AsrChartView.AFTER, "ASR: hacking")).orElseThrow());
        assertTrue(backend.hasAppliedEdit());
        // The label follows the backend's state through a listener that may run after the call's success.
        FxTestSupport.waitUntil("weights label shows edited",
                () -> "edited".equals(robot.lookup("#weightsStateLabel").queryLabeled().getText()));
        assertFalse(java.util.Arrays.equals(original, demo.logits()), "the applied edit changes the logits");
        List<String> afterEdit = FxTestSupport.onFx(() -> window.heatmap().statisticNames());
        assertTrue(afterEdit.contains(CoreBackend.DOWN_CHANGE), "heatmap statistics after the edit: " + afterEdit);
        FxTestSupport.saveSnapshot(window, "workbench-demo-results");

        robot.clickOn("#revertButton");
        demo.awaitSuccess();
        assertFalse(backend.hasAppliedEdit());
        assertArrayEquals(original, demo.logits(), "revert restores the original logits");
        List<String> afterRevert = FxTestSupport.onFx(() -> window.heatmap().statisticNames());
        assertFalse(afterRevert.contains(CoreBackend.DOWN_CHANGE), "heatmap statistics after revert: " + afterRevert);
    }

    @Test
    void demoHeatmapZoomAndRegionReachHotSpots(FxRobot robot) {
        openDemoAndLocate(robot);
        FxTestSupport.onFx(() -> {
            window.selectTab("Neurons");
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> window.heatmap().grid().isPresent());

        NeuronHeatmapView heatmap = window.heatmap();
        FxTestSupport.onFx(() -> {
            heatmap.zoom(4.0, heatmap.canvas().getWidth() / 2);
            return null;
        });
        NeuronRange visible = FxTestSupport.onFx(() -> heatmap.visibleNeuronRange()).orElseThrow();
        assertTrue(visible.size() < 172, "zoom narrows the neuron range: " + visible);

        int first = visible.start() + 2;
        javafx.geometry.Point2D from = FxTestSupport.onFx(() -> heatmap.canvas().localToScreen(heatmap.cellCentre(2, first)));
        javafx.geometry.Point2D to = FxTestSupport.onFx(() -> heatmap.canvas().localToScreen(heatmap.cellCentre(3, first + 3)));
        robot.drag(from, javafx.scene.input.MouseButton.PRIMARY).dropTo(to);

        FxTestSupport.waitUntil("region added to the hot-spot table", () -> window.hotSpotTable().selectedHotSpots().stream()
                .anyMatch(spot -> spot.layer() == 3 && spot.neurons().contains(first + 3)));
        assertTrue(FxTestSupport.onFx(() -> window.hotSpotTable().selectedHotSpots()).stream()
                .anyMatch(spot -> spot.layer() == 2 && spot.neurons().contains(first)), "layer 2 selected too");
    }

    @Test
    void cancelledEditLeavesDemoModelUnchanged(FxRobot robot) throws InterruptedException {
        openDemoAndLocate(robot);
        float[] original = demo.logits();

        startEditOfSuggestedHotSpots(robot);
        robot.clickOn("#cancelButton");
        assertEquals(Worker.State.CANCELLED, demo.awaitNextCall());

        // The cancelled call may still be finishing on the background thread; the model must end unchanged.
        assertTrue(window.awaitBackendThread(Duration.ofSeconds(60)), "the cancelled edit returned");
        assertFalse(backend.hasAppliedEdit());
        FxTestSupport.waitUntil("weights label shows original",
                () -> "original".equals(robot.lookup("#weightsStateLabel").queryLabeled().getText()));
        assertArrayEquals(original, demo.logits());
    }

    /**
     * Closing the window while an edit runs cancels it and waits until the edit has returned, so
     * that closing the model afterwards frees no array that the edit still uses (which crashed the
     * JVM in libtorch).
     */
    @Test
    void closingDuringAnEditWaitsForIt(FxRobot robot) {
        openDemoAndLocate(robot);
        startEditOfSuggestedHotSpots(robot);

        demo.close();

        assertNull(backend.languageModel(), "the model is closed");
    }

    /**
     * A signal (Ctrl-C, SIGTERM) while an edit runs interrupts the edit and waits until it has
     * returned, so that the JVM does not exit under a libtorch call. The edit is not applied.
     */
    @Test
    void signalDuringEditStopsIt(FxRobot robot) throws InterruptedException {
        openDemoAndLocate(robot);
        startEditOfSuggestedHotSpots(robot);

        assertTrue(window.stopBackendOnSignal(Duration.ofSeconds(60)), "the edit stopped");

        assertFalse(backend.hasAppliedEdit());
    }

    /** Ticks the suggested hot spots, starts the edit and waits until its call runs. */
    private void startEditOfSuggestedHotSpots(FxRobot robot) {
        FxTestSupport.onFx(() -> {
            window.selectTab("Hot spots");
            return null;
        });
        robot.clickOn("#acceptSuggestedButton");
        robot.clickOn("#runEditButton");
        FxTestSupport.waitUntil("edit running", () -> window.worker().isRunning());
    }
}
