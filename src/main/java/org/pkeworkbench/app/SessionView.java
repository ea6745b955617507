package org.pkeworkbench.app;

import java.util.List;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * The parts of the window's state that the backend does not keep, captured on the JavaFX thread
 * when a session is saved.
 *
 * @param locate the locate result shown in the Pathways, Neurons and Hot spots tabs, or null
 * @param selectedHotSpots the ticked rows of the hot spot table, in table order
 * @param results the edit results in the Results tab, or null when it is empty
 * @param comparison the comparison in the Compare tab, or null when none was run
 */
public record SessionView(LocateResult locate, List<HotSpot> selectedHotSpots,
        EditSummary results, ModelComparison comparison) {

    public SessionView {
        selectedHotSpots = selectedHotSpots == null ? List.of() : List.copyOf(selectedHotSpots);
    }
}
