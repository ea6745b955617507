package org.pkeworkbench.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * A reopened session, returned by {@link WorkbenchBackend#openSession} for the window to show.
 *
 * @param project the project directory
 * @param model the loaded model
 * @param editFile the edit set, or null when the session had none or it could not be loaded
 * @param editPrompts the edit set's prompts, or null with {@code editFile}
 * @param evalFile the eval set, or null when the session had none or it could not be loaded
 * @param evalPrompts the eval set's prompts, or null with {@code evalFile}
 * @param locate the saved locate result, or null
 * @param selectedHotSpots the hot spots that were ticked
 * @param history the rebuilt edit history
 * @param results the edit results that were shown, or null
 * @param comparison the comparison that was shown, or null
 * @param weightStatistics the backend's weight statistics after the applied edits, for the heatmap
 * @param warnings problems that did not stop the session from opening, such as a changed prompt set
 */
public record SessionRestore(
        Path project,
        ModelSummary model,
        Path editFile,
        List<String> editPrompts,
        Path evalFile,
        List<String> evalPrompts,
        LocateResult locate,
        List<HotSpot> selectedHotSpots,
        EditHistoryState history,
        EditSummary results,
        ModelComparison comparison,
        Map<String, float[][]> weightStatistics,
        List<String> warnings) {

    public SessionRestore {
        selectedHotSpots = List.copyOf(selectedHotSpots);
        warnings = List.copyOf(warnings);
    }
}
