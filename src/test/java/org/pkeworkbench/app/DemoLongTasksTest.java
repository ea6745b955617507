package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javafx.concurrent.Worker;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.DemoModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * Every long task of the workbench on the demo model with the real backend. Each can be cancelled
 * from the Cancel button and leaves the model, the views and the disk as they were. The JavaFX
 * thread stays responsive while the tasks run.
 */
@ExtendWith(ApplicationExtension.class)
class DemoLongTasksTest {

    private static final Logger LOG = LoggerFactory.getLogger(DemoLongTasksTest.class);
    private static final String PROMPT = DemoWindow.PROMPT;

    /** Backend methods documented as cheap and allowed on the JavaFX thread. */
    private static final java.util.Set<String> FX_THREAD_METHODS = java.util.Set.of("hasAppliedEdit", "device",
            "setDevice", "runSettings", "setRunSettings");

    private final GatedBackend[] gate = new GatedBackend[1];
    private DemoWindow demo;
    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        backend = new CoreBackend(DemoWindow.smallSettings());
        demo = DemoWindow.show(stage, backend, GatedBackend.wrap(backend, gate));
        window = demo.window();
    }

    @AfterEach
    void shutDown() {
        demo.close();
    }

    /**
     * Starts {@code action}, clicks Cancel once the backend call is under way, and waits until the
     * cancelled call has returned on the backend thread (a cheap job queued behind it has finished).
     */
    private void startAndCancel(FxRobot robot, Runnable action) throws Exception {
        gate[0].arm();
        demo.onFx(action);
        gate[0].awaitGate();
        FxTestSupport.waitUntil("task running", () -> window.worker().isRunning());
        // The ticks a running task may use cannot change under it.
        assertTrue(robot.lookup("#acceptSuggestedButton").query().isDisabled(), "Accept suggested is locked");
        assertFalse(robot.lookup("#hotSpotTable").queryAs(javafx.scene.control.TableView.class).isEditable(),
                "the ticks are locked");
        robot.clickOn("#cancelButton");
        assertEquals(Worker.State.CANCELLED, demo.awaitNextCall());
        FxTestSupport.waitUntil("cancel reported", () -> window.statusBar().getText().contains("cancelled"));

        Path editSet = DemoModel.editSet();
        demo.onFx(() -> window.openEditSet(editSet));
        demo.awaitSuccess();
    }

    private static List<Path> entries(Path directory) throws Exception {
        try (Stream<Path> list = Files.list(directory)) {
            return list.toList();
        }
    }

    @Test
    void everyLongTaskCancelsCleanly(FxRobot robot, @TempDir Path temp) throws Exception {
        startAndCancel(robot, window::openDemoModel);
        assertNull(backend.languageModel(), "a cancelled load leaves no model loaded");
        assertTrue(robot.lookup("#openModelButton").tryQuery().isPresent());

        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        float[] original = demo.logits();

        startAndCancel(robot, window::locate);
        assertEquals(0, FxTestSupport.onFx(() -> window.hotSpotTable().rowCount()), "no hot spots after a cancel");

        robot.clickOn("#locateButton");
        demo.awaitSuccess();
        demo.onFx(() -> window.hotSpotTable().acceptSuggested());
        startAndCancel(robot, window::runEdit);
        assertFalse(backend.hasAppliedEdit(), "a cancelled edit applies nothing");
        assertArrayEquals(original, demo.logits(), "a cancelled edit leaves the weights");
        assertTrue(backend.editHistory().applied().isEmpty());

        startAndCancel(robot, () -> window.traceContributions(PROMPT));
        assertEquals(0, FxTestSupport.onFx(() -> window.contributionView().visibleEdgeCount()));
        startAndCancel(robot, () -> window.traceCausal(PROMPT, "Sure"));
        assertEquals(0, FxTestSupport.onFx(() -> window.causalTraceView().layerCount()));
        startAndCancel(robot, () -> window.compare(PROMPT));
        assertTrue(FxTestSupport.onFx(() -> window.compareView().comparison()).isEmpty());

        robot.clickOn("#runEditButton");
        demo.awaitSuccess();
        float[] edited = demo.logits();
        Path modelDir = temp.resolve("edited-model");
        Path deltaFile = temp.resolve("edit-delta.safetensors");
        startAndCancel(robot, () -> window.saveEditedModel(modelDir));
        startAndCancel(robot, () -> window.saveDelta(deltaFile));
        assertEquals(List.of(), entries(temp), "cancelled exports leave no file, no staging folder");
        assertArrayEquals(edited, demo.logits(), "cancelled exports leave the edited weights");
        assertEquals(1, backend.editHistory().applied().size());
    }

    @Test
    void gpuWithoutCudaFailsWithReason(FxRobot robot) {
        // This machine's libtorch is the CPU build, so a GPU request must fail and name the cause.
        FxTestSupport.onFx(() -> {
            window.summaryPane().deviceChoice().setValue("gpu");
            return null;
        });
        robot.clickOn("#openDemoModelButton");
        assertEquals(Worker.State.FAILED, demo.awaitNextCall());
        String message = FxTestSupport.onFx(() -> window.worker().getException().getMessage());
        assertTrue(message.contains("libtorch sees no CUDA GPU"), message);
        assertTrue(message.contains("docs/gpu.md"), message);
        assertNull(backend.languageModel());

        FxTestSupport.onFx(() -> {
            window.summaryPane().deviceChoice().setValue("auto");
            return null;
        });
        // The error alert of the failed open may cover the tool bar, so start the next open directly.
        demo.onFx(window::openDemoModel);
        demo.awaitSuccess();
        assertTrue(robot.lookup("#deviceReasonLabel").queryLabeled().getText().startsWith("CPU: libtorch sees no CUDA GPU"));
    }

    @Test
    void backendWorkStaysOffFxThread(FxRobot robot, @TempDir Path temp) {
        FxThreadProbe probe = FxThreadProbe.start();
        try {
            robot.clickOn("#openDemoModelButton");
            demo.awaitSuccess();
            robot.clickOn("#locateButton");
            demo.awaitSuccess();
            demo.onFx(() -> window.hotSpotTable().acceptSuggested());
            robot.clickOn("#runEditButton");
            demo.awaitSuccess();
            demo.onFx(() -> window.compare(PROMPT));
            demo.awaitSuccess();
            demo.onFx(() -> window.traceContributions(PROMPT));
            demo.awaitSuccess();
            demo.onFx(() -> window.traceCausal(PROMPT, "Sure"));
            demo.awaitSuccess();
            demo.onFx(window::undoEdit);
            demo.awaitSuccess();
            demo.onFx(window::redoEdit);
            demo.awaitSuccess();
            demo.onFx(() -> window.saveDelta(temp.resolve("delta.safetensors")));
            demo.awaitSuccess();
        } finally {
            probe.close();
        }

        LOG.info("JavaFX thread probe: {} ticks, longest busy stretch {} ms of CPU, longest wall gap {} ms",
                probe.ticks(), probe.maxBusyMillis(), probe.maxWallGapMillis());
        List<GatedBackend.Call> onFx = gate[0].calls().stream()
                .filter(call -> call.onFxThread() && !FX_THREAD_METHODS.contains(call.method()))
                .toList();
        // NOTE: the longest busy stretch is logged, not asserted: timings are measured, never asserted
        // in tests (a 100 ms bound failed once at 109 ms in a clean-clone run).
        assertEquals(List.of(), onFx, "no backend work runs on the JavaFX thread");
    }
}
