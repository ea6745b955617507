package org.pkeworkbench.app;

import java.util.List;
import java.util.Objects;

/**
 * Snapshot of the loaded model's edit history for the Edit history tab: the applied edits and
 * the undone ones that can be redone.
 *
 * @param applied applied edits, oldest first; the last one is on top
 * @param undone undone edits, the next one to redo first
 */
public record EditHistoryState(List<Item> applied, List<Item> undone) {

    /** A history without edits. */
    public static final EditHistoryState EMPTY = new EditHistoryState(List.of(), List.of());

    /**
     * One edit of the history.
     *
     * @param name the label shown to the user, for example "PKE #1: ASR 1.00 -> 0.43"
     * @param summary the edit run's results, or null when the edit has none
     */
    public record Item(String name, EditSummary summary) {

        public Item {
            Objects.requireNonNull(name, "name");
        }
    }

    public EditHistoryState {
        applied = List.copyOf(applied);
        undone = List.copyOf(undone);
    }

    public boolean canUndo() {
        return !applied.isEmpty();
    }

    public boolean canRedo() {
        return !undone.isEmpty();
    }

    /** Returns the results of the newest applied edit, or null at the original weights or when it has none. */
    public EditSummary topSummary() {
        return applied.isEmpty() ? null : applied.get(applied.size() - 1).summary();
    }
}
