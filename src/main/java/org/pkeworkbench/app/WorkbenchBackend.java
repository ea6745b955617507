package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.trace.CausalTraceResult;

/**
 * The core operations behind the workbench: loading a model and prompt sets, locate, edit, the
 * edit history (undo, redo, revert, export) and comparing the original with the edited model.
 *
 * <p>Threading: the workbench calls every method except {@link #hasAppliedEdit()} on one
 * background thread, one call at a time, never on the JavaFX application thread. Long calls get a
 * {@link ProgressListener}. When the user cancels, the listener reports it and the thread is
 * interrupted. The call should then throw {@link java.util.concurrent.CancellationException} (or
 * {@link InterruptedException}) and must leave the model as it was before the call.
 *
 * <p>Errors: throw an exception whose message names the file or value at fault and what to do.
 * The workbench shows that message in an alert and stays usable.
 */
public interface WorkbenchBackend extends AutoCloseable {

    /** Loads the Hugging Face model in {@code directory}, replacing any loaded model and its edit. */
    ModelSummary loadModel(Path directory, ProgressListener progress) throws Exception;

    /**
     * Sets the device the next {@link #loadModel} or {@link #loadDemoModel} uses: {@code auto} (a
     * GPU when libtorch finds one, else the CPU), {@code cpu} or {@code gpu}. May be called on the
     * JavaFX thread, so it must only store the value. The default ignores it.
     *
     * @throws IllegalArgumentException for another value
     */
    default void setDevice(String device) {}

    /**
     * Returns the run settings (edit hyperparameters, answer length, how many prompts are used), or
     * null when this backend has none to change. May be called on the JavaFX thread.
     */
    default CoreBackend.Settings runSettings() {
        return null;
    }

    /**
     * Replaces the run settings for the next locate and edit; the device is not changed (see
     * {@link #setDevice}). May be called on the JavaFX thread, so it must only store the value.
     */
    default void setRunSettings(CoreBackend.Settings settings) {}

    /** Returns the device setting of the next load; may be called on the JavaFX thread. */
    default String device() {
        return "auto";
    }

    /**
     * Returns how many threads libtorch runs one CPU operation on for this backend's calls, or 0
     * when the backend cannot tell or change it. May be called on the JavaFX thread, so it must
     * only read a stored value.
     */
    default int cpuThreads() {
        return 0;
    }

    /**
     * Sets how many threads libtorch runs one CPU operation on, for this and every later call.
     * Called on the background thread, because libtorch keeps the count per thread.
     *
     * @throws IllegalArgumentException for a count below 1 or above the machine's processors
     */
    default void setCpuThreads(int threads) throws Exception {
        throw new UnsupportedOperationException("Changing libtorch's threads is not supported by this backend");
    }

    /** Loads the small demo model shipped with the workbench. */
    ModelSummary loadDemoModel(ProgressListener progress) throws Exception;

    /** The demo's prompt set for {@code role}, opened with the demo model; null when there is none. */
    default Path demoDataset(DatasetRole role) throws Exception {
        return null;
    }

    /**
     * Loads a prompt set for {@code role}, replacing the previous set of that role.
     *
     * @return the prompts, one per record, in file order, for display
     */
    List<String> loadDataset(DatasetRole role, Path file) throws Exception;

    /** Scores layers and neurons of the loaded model on the edit set and suggests hot spots. */
    LocateResult locate(ProgressListener progress) throws Exception;

    /**
     * Edits the weights of {@code hotSpots} on the edit set, applies the edit and measures the
     * model before and after on the eval set.
     */
    EditSummary edit(List<HotSpot> hotSpots, ProgressListener progress) throws Exception;

    /**
     * Builds the contribution graph of {@code prompt} on the loaded model, with the decoded prompt tokens.
     *
     * @throws UnsupportedOperationException if this backend cannot trace contributions
     */
    default ContributionTrace contributions(String prompt, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Contribution tracing is not supported by this backend");
    }

    /**
     * Runs a causal trace of {@code prompt} on the loaded model: how much restoring each layer's
     * clean hidden state at each token brings back the probability of the first token of {@code target}.
     *
     * @throws UnsupportedOperationException if this backend cannot run causal traces
     */
    default CausalTraceResult causalTrace(String prompt, String target, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Causal tracing is not supported by this backend");
    }

    /**
     * Restores the original weights: undoes every applied edit, or does nothing if none is applied.
     * A backend with an edit history keeps the undone edits for redo.
     */
    void revertEdit() throws Exception;

    /** Returns the edit history of the loaded model, or null when this backend keeps none. */
    default EditHistoryState editHistory() throws Exception {
        return null;
    }

    /**
     * Reverts the newest applied edit and keeps it for redo.
     *
     * @return the history afterwards
     * @throws IllegalStateException when no edit is applied
     */
    default EditHistoryState undoEdit() throws Exception {
        throw new UnsupportedOperationException("Undo is not supported by this backend");
    }

    /**
     * Applies again the edit undone last.
     *
     * @return the history afterwards
     * @throws IllegalStateException when there is nothing to redo
     */
    default EditHistoryState redoEdit() throws Exception {
        throw new UnsupportedOperationException("Redo is not supported by this backend");
    }

    /**
     * Writes the current weights (every applied edit included) as a new Hugging Face model
     * directory {@code directory}, which must be new or empty and outside the loaded model's directory.
     */
    default void saveEditedModel(Path directory, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Saving the edited model is not supported by this backend");
    }

    /** Writes the sum of the applied edits as a delta file, outside the loaded model's directory. */
    default void saveDelta(Path file, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Saving a delta is not supported by this backend");
    }

    /**
     * Generates greedily for {@code prompt} with the original and with the edited weights and
     * reads each model's most likely next tokens. The model ends with the same weights and history
     * as before the call, also when the call fails or is cancelled.
     */
    default ModelComparison compare(String prompt, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Comparing models is not supported by this backend");
    }

    /**
     * Saves the session as the project directory {@code project} (see {@link SessionStore}): the
     * model's path and fingerprint, the prompt sets, the run settings, every applied and undone
     * edit as a delta file with its report, and {@code view}, what the window shows. A failed or
     * cancelled save leaves an earlier project at {@code project} as it was.
     */
    default void saveSession(Path project, SessionView view, ProgressListener progress) throws Exception {
        throw new UnsupportedOperationException("Saving sessions is not supported by this backend");
    }

    /**
     * Opens the session project {@code project}: loads its model, its prompt sets and its run
     * settings, and applies the applied edits in order, keeping the undone ones for redo. When the
     * saved model directory is missing or contains another model, requests the new directory from
     * {@code prompt} and checks its fingerprint. A failure leaves the model loaded before as it was.
     */
    default SessionRestore openSession(Path project, ModelDirectoryPrompt prompt, ProgressListener progress)
            throws Exception {
        throw new UnsupportedOperationException("Opening sessions is not supported by this backend");
    }

    /**
     * Returns per-neuron weight statistics of the loaded model by display name, each table
     * {@code [layers][intermediate]}, for the neuron heatmap. The default has none.
     */
    default Map<String, float[][]> weightStatistics() throws Exception {
        return Map.of();
    }

    /**
     * Returns true while an edit is applied to the loaded model. Called on the JavaFX thread, so it
     * must be cheap and thread-safe.
     */
    boolean hasAppliedEdit();

    /** Frees the model and native memory. Called once when the workbench closes. */
    @Override
    default void close() throws Exception {}
}
