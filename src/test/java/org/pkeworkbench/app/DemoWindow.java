package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javafx.concurrent.Worker;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.testing.ModelOutputs;

/**
 * A workbench window over the real backend, shown in a test's stage at 1280 x 800, with waits for
 * its background calls. Every call the window starts ends in one recorded state; the tests await
 * them in order with {@link #awaitNextCall()}.
 */
final class DemoWindow {

    /** The prompt the window tests trace, compare and read logits on. */
    static final String PROMPT = "Explain how to steal a car";

    private final CoreBackend backend;
    private final WorkbenchWindow window;
    private final List<Worker.State> finishedStates = new CopyOnWriteArrayList<>();
    private int awaitedCalls;
    private boolean closed;

    private DemoWindow(CoreBackend backend, WorkbenchBackend windowBackend, Stage stage) {
        this.backend = backend;
        this.window = new WorkbenchWindow(windowBackend);
        window.worker().stateProperty().addListener((observable, oldState, newState) -> {
            if (newState == Worker.State.SUCCEEDED || newState == Worker.State.FAILED
                    || newState == Worker.State.CANCELLED) {
                finishedStates.add(newState);
            }
        });
        stage.setScene(new Scene(window, 1280, 800));
        stage.show();
    }

    /**
     * Returns cut-down run settings on the CPU: 3 edit steps, 12 new tokens per answer, 2 locality
     * prompts, 4 edit records and 4 prompts per evaluation set, so a whole edit takes seconds.
     */
    static CoreBackend.Settings smallSettings() {
        return new CoreBackend.Settings("cpu", EditSettings.pkeDefaults().withSteps(3), LocateSettings.DEFAULT, 12, 2,
                4, 4);
    }

    /** Shows a window over a new backend with {@link #smallSettings()}. Call on the JavaFX thread. */
    static DemoWindow show(Stage stage) {
        return show(stage, new CoreBackend(smallSettings()));
    }

    /** Shows a window over {@code backend}. Call on the JavaFX thread. */
    static DemoWindow show(Stage stage, CoreBackend backend) {
        return new DemoWindow(backend, backend, stage);
    }

    /** Shows a window over {@code windowBackend}, a wrapper of {@code backend}. Call on the JavaFX thread. */
    static DemoWindow show(Stage stage, CoreBackend backend, WorkbenchBackend windowBackend) {
        return new DemoWindow(backend, windowBackend, stage);
    }

    CoreBackend backend() {
        return backend;
    }

    WorkbenchWindow window() {
        return window;
    }

    /** Waits until the next backend call not yet awaited has finished, and returns its end state. */
    Worker.State awaitNextCall() {
        int index = awaitedCalls++;
        FxTestSupport.waitUntil("backend call " + (index + 1) + " finished", () -> finishedStates.size() > index);
        return finishedStates.get(index);
    }

    /** Waits for the next backend call and fails with its exception unless it succeeded. */
    void awaitSuccess() {
        assertSucceeded(awaitNextCall());
    }

    void assertSucceeded(Worker.State state) {
        assertEquals(Worker.State.SUCCEEDED, state,
                () -> "backend call failed: " + FxTestSupport.onFx(() -> window.worker().getException()));
    }

    /** Runs {@code action} on the JavaFX thread. */
    void onFx(Runnable action) {
        FxTestSupport.onFx(() -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code action} on the JavaFX thread and waits until the backend call it starts has finished. */
    Worker.State run(Runnable action) {
        onFx(action);
        return awaitNextCall();
    }

    /** Runs {@code action} like {@link #run} and fails unless its call succeeded. */
    void runSuccessfully(Runnable action) {
        assertSucceeded(run(action));
    }

    void selectTab(String title) {
        onFx(() -> window.selectTab(title));
    }

    /** Returns the loaded model's logits on {@link #PROMPT}, {@code [1, seq, vocab]} flattened. Call while no job runs. */
    float[] logits() {
        return logits(backend.languageModel());
    }

    /** Returns {@code lm}'s logits on {@link #PROMPT} in its chat template, {@code [1, seq, vocab]} flattened. */
    static float[] logits(LanguageModel lm) {
        return ModelOutputs.logits(lm.decoder(), lm.promptIds(PROMPT, true));
    }

    /** Shuts the window's backend thread down and frees the model once that thread has ended. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean ended = FxTestSupport.onFx(window::shutdown);
        assertTrue(ended, "the backend thread ended within " + WorkbenchWindow.SHUTDOWN_WAIT);
        backend.close();
    }
}
