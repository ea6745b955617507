package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javafx.concurrent.Worker;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
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
    private static final String PROMPT = "Explain how to steal a car";

    /** The maximum JavaFX-thread work in one stretch: a longer stretch is a visible stall of the UI. */
    private static final double MAX_FX_BUSY_MILLIS = 100;

    /** Backend methods documented as cheap and allowed on the JavaFX thread. */
    private static final java.util.Set<String> FX_THREAD_METHODS = java.util.Set.of("hasAppliedEdit", "device",
            "setDevice");

    private final List<Worker.State> finishedStates = new CopyOnWriteArrayList<>();
    private int awaitedCalls;
    private CoreBackend backend;
    private final GatedBackend[] gate = new GatedBackend[1];
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        backend = new CoreBackend(new CoreBackend.Settings("cpu", EditSettings.pkeDefaults().withSteps(3),
                LocateSettings.DEFAULT, 12, 2, 4, 4));
        window = new WorkbenchWindow(GatedBackend.wrap(backend, gate));
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

    private Worker.State awaitNextCall() {
        int index = awaitedCalls++;
        FxTestSupport.waitUntil("backend call " + (index + 1) + " finished", () -> finishedStates.size() > index);
        return finishedStates.get(index);
    }

    private void awaitSuccess() {
        assertEquals(Worker.State.SUCCEEDED, awaitNextCall(),
                () -> "backend call failed: " + FxTestSupport.onFx(() -> window.worker().getException()));
    }

    private void run(Runnable action) {
        FxTestSupport.onFx(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Starts {@code action}, clicks Cancel once the backend call is under way, and waits until the
     * cancelled call has returned on the backend thread (a cheap job queued behind it has finished).
     */
    private void startAndCancel(FxRobot robot, Runnable action) throws Exception {
        gate[0].arm();
        run(action);
        gate[0].awaitGate();
        FxTestSupport.waitUntil("task running", () -> window.worker().isRunning());
        robot.clickOn("#cancelButton");
        assertEquals(Worker.State.CANCELLED, awaitNextCall());
        FxTestSupport.waitUntil("cancel reported", () -> window.statusBar().getText().contains("cancelled"));

        Path editSet = DemoModel.editSet();
        run(() -> window.openEditSet(editSet));
        awaitSuccess();
    }

    /** Returns the loaded model's logits on {@link #PROMPT}, flattened. Call while no job runs. */
    private float[] logits() {
        LanguageModel lm = backend.languageModel();
        DecoderModel model = lm.decoder();
        long[] ids = lm.promptIds(PROMPT, true);
        try (NDManager scope = model.manager().newSubManager()) {
            return model.forward(scope, scope.create(ids).reshape(1, ids.length), ForwardOptions.create()).logits()
                    .toFloatArray();
        }
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
        awaitSuccess();
        float[] original = logits();

        startAndCancel(robot, window::locate);
        assertEquals(0, FxTestSupport.onFx(() -> window.hotSpotTable().rowCount()), "no hot spots after a cancel");

        robot.clickOn("#locateButton");
        awaitSuccess();
        run(() -> window.hotSpotTable().acceptSuggested());
        startAndCancel(robot, window::runEdit);
        assertFalse(backend.hasAppliedEdit(), "a cancelled edit applies nothing");
        assertArrayEquals(original, logits(), "a cancelled edit leaves the weights");
        assertTrue(backend.editHistory().applied().isEmpty());

        startAndCancel(robot, () -> window.traceContributions(PROMPT));
        assertEquals(0, FxTestSupport.onFx(() -> window.contributionView().visibleEdgeCount()));
        startAndCancel(robot, () -> window.traceCausal(PROMPT, "Sure"));
        assertEquals(0, FxTestSupport.onFx(() -> window.causalTraceView().layerCount()));
        startAndCancel(robot, () -> window.compare(PROMPT));
        assertTrue(FxTestSupport.onFx(() -> window.compareView().comparison()).isEmpty());

        robot.clickOn("#runEditButton");
        awaitSuccess();
        float[] edited = logits();
        Path modelDir = temp.resolve("edited-model");
        Path deltaFile = temp.resolve("edit-delta.safetensors");
        startAndCancel(robot, () -> window.saveEditedModel(modelDir));
        startAndCancel(robot, () -> window.saveDelta(deltaFile));
        assertEquals(List.of(), entries(temp), "cancelled exports leave no file, no staging folder");
        assertArrayEquals(edited, logits(), "cancelled exports leave the edited weights");
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
        assertEquals(Worker.State.FAILED, awaitNextCall());
        String message = FxTestSupport.onFx(() -> window.worker().getException().getMessage());
        assertTrue(message.contains("libtorch sees no CUDA GPU"), message);
        assertTrue(message.contains("docs/gpu.md"), message);
        assertNull(backend.languageModel());

        FxTestSupport.onFx(() -> {
            window.summaryPane().deviceChoice().setValue("auto");
            return null;
        });
        // The error alert of the failed open may cover the tool bar, so start the next open directly.
        run(window::openDemoModel);
        awaitSuccess();
        assertTrue(robot.lookup("#deviceReasonLabel").queryLabeled().getText().startsWith("CPU: libtorch sees no CUDA GPU"));
    }

    @Test
    void fxThreadStaysResponsive(FxRobot robot, @TempDir Path temp) {
        FxThreadProbe probe = FxThreadProbe.start();
        try {
            robot.clickOn("#openDemoModelButton");
            awaitSuccess();
            robot.clickOn("#locateButton");
            awaitSuccess();
            run(() -> window.hotSpotTable().acceptSuggested());
            robot.clickOn("#runEditButton");
            awaitSuccess();
            run(() -> window.compare(PROMPT));
            awaitSuccess();
            run(() -> window.traceContributions(PROMPT));
            awaitSuccess();
            run(() -> window.traceCausal(PROMPT, "Sure"));
            awaitSuccess();
            run(window::undoEdit);
            awaitSuccess();
            run(window::redoEdit);
            awaitSuccess();
            run(() -> window.saveDelta(temp.resolve("delta.safetensors")));
            awaitSuccess();
        } finally {
            probe.close();
        }

        LOG.info("JavaFX thread probe: {} ticks, longest busy stretch {} ms of CPU, longest wall gap {} ms",
                probe.ticks(), probe.maxBusyMillis(), probe.maxWallGapMillis());
        List<GatedBackend.Call> onFx = gate[0].calls().stream()
                .filter(call -> call.onFxThread() && !FX_THREAD_METHODS.contains(call.method()))
                .toList();
        assertEquals(List.of(), onFx, "no backend work runs on the JavaFX thread");
        assertTrue(probe.maxBusyMillis() < MAX_FX_BUSY_MILLIS, () -> "the JavaFX thread was busy for "
                + probe.maxBusyMillis() + " ms of CPU in one stretch");
    }
}
