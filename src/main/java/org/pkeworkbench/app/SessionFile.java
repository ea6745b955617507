package org.pkeworkbench.app;

import java.util.List;
import java.util.Objects;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.io.ModelFingerprint;

/**
 * The contents of a session's {@code session.json}: everything needed to bring a workbench
 * session back, with the large parts (locate scores, weight deltas, edit reports) in files next to
 * it that the entries name by path relative to the project directory. {@link SessionStore} reads
 * and writes it with snake_case keys.
 *
 * @param format always {@link #FORMAT}; anything else is a foreign file
 * @param formatVersion the layout version, {@link #FORMAT_VERSION} for files this build writes
 * @param savedAt when the session was saved, as an ISO-8601 instant
 * @param model the model the session worked on
 * @param editSet the edit set, or null when none was open
 * @param evalSet the eval set, or null when none was open
 * @param settings the backend's run settings, or null when the backend has none
 * @param locateFile the locate result's file, or null when no locate result was shown
 * @param selectedHotSpots the hot spots ticked in the hot spot table, in table order
 * @param applied the applied edits, oldest first
 * @param undone the undone edits, the next one to redo first
 * @param editRuns edit runs since the model was loaded, which numbers the next edit's name
 * @param results the edit results shown in the Results tab, or null when it was empty
 * @param comparison the comparison shown in the Compare tab, or null when none was run
 */
public record SessionFile(
        String format,
        int formatVersion,
        String savedAt,
        ModelEntry model,
        DatasetEntry editSet,
        DatasetEntry evalSet,
        CoreBackend.Settings settings,
        String locateFile,
        List<HotSpot> selectedHotSpots,
        List<HistoryEntry> applied,
        List<HistoryEntry> undone,
        int editRuns,
        EditSummary results,
        ModelComparison comparison) {

    /** The {@code format} value that marks a workbench session. */
    public static final String FORMAT = "pke-workbench-session";

    /** The newest layout version this build reads, and the one it writes. */
    public static final int FORMAT_VERSION = 1;

    public SessionFile {
        Objects.requireNonNull(model, "model");
        selectedHotSpots = selectedHotSpots == null ? List.of() : List.copyOf(selectedHotSpots);
        applied = applied == null ? List.of() : List.copyOf(applied);
        undone = undone == null ? List.of() : List.copyOf(undone);
    }

    /**
     * The session's model.
     *
     * @param path the model directory as an absolute path
     * @param name the display name, usually the directory's name
     * @param architecture for example {@code LlamaForCausalLM}
     * @param fingerprint identifies the model's files; see {@link ModelFingerprint}
     */
    public record ModelEntry(String path, String name, String architecture, ModelFingerprint fingerprint) {}

    /**
     * A prompt set.
     *
     * @param path the file as an absolute path
     * @param sha256 hex SHA-256 of the file's bytes when the session was saved
     */
    public record DatasetEntry(String path, String sha256) {}

    /**
     * One edit of the history.
     *
     * @param name the label shown in the Edit history tab
     * @param delta the weight delta file ({@code pke-delta} safetensors), relative to the project
     * @param report the edit report JSON, relative to the project, or null when the edit has none
     * @param summary the edit's results, or null when it has none
     */
    public record HistoryEntry(String name, String delta, String report, EditSummary summary) {}
}
