package org.pkeworkbench.edit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import org.pkeworkbench.model.DecoderModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Edits applied to one model as a stack of named weight deltas, with undo and redo. Pushing an
 * edit applies it. Undo reverts the newest applied edit and keeps it for redo, and pushing after
 * an undo discards the edits that could have been redone. The history owns every delta pushed into
 * it and closes them in {@link #close()}, which leaves the model's current weights as they are.
 *
 * <p>Example:
 * <pre>{@code
 * try (EditHistory history = new EditHistory(model)) {
 *     history.push("record 0", deltaFromFirstEdit, null);
 *     history.push("record 1", deltaFromSecondEdit, null);
 *     history.undo();          // the model now holds only the first edit
 *     history.revertAll();     // the original weights again
 * }
 * }</pre>
 */
public final class EditHistory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EditHistory.class);

    /**
     * One edit in the history.
     *
     * @param name a label for the user, such as "PKE on demo-edit" or "record 7"
     * @param delta the weight change, owned by the history
     * @param report the run's report, or null when the edit has none (one record of a per-record run)
     */
    public record Entry(String name, WeightDelta delta, EditReport report) {}

    private record AppliedEntry(Entry entry, WeightDelta.AppliedEdit applied) {}

    private final DecoderModel model;
    private final Deque<AppliedEntry> applied = new ArrayDeque<>();
    private final Deque<Entry> undone = new ArrayDeque<>();

    public EditHistory(DecoderModel model) {
        this.model = model;
    }

    /** Applies {@code delta} to the model and puts it on top of the history; drops any redo entries. */
    public Entry push(String name, WeightDelta delta, EditReport report) {
        Entry entry = new Entry(name, delta, report);
        WeightDelta.AppliedEdit edit = delta.apply(model);
        discardRedo();
        applied.push(new AppliedEntry(entry, edit));
        LOG.info("Applied edit '{}' ({} weights changed); {} edits in the history", name, delta.changedWeightCount(),
                applied.size());
        return entry;
    }

    public boolean canUndo() {
        return !applied.isEmpty();
    }

    public boolean canRedo() {
        return !undone.isEmpty();
    }

    /**
     * Reverts the newest applied edit.
     *
     * @throws IllegalStateException when no edit is applied
     */
    public Entry undo() {
        if (applied.isEmpty()) {
            throw new IllegalStateException("Nothing to undo: no edit is applied");
        }
        AppliedEntry top = applied.pop();
        top.applied().revert();
        undone.push(top.entry());
        LOG.info("Undid edit '{}'", top.entry().name());
        return top.entry();
    }

    /**
     * Applies again the edit undone last.
     *
     * @throws IllegalStateException when there is nothing to redo
     */
    public Entry redo() {
        if (undone.isEmpty()) {
            throw new IllegalStateException("Nothing to redo");
        }
        Entry entry = undone.pop();
        applied.push(new AppliedEntry(entry, entry.delta().apply(model)));
        LOG.info("Redid edit '{}'", entry.name());
        return entry;
    }

    /** Undoes every applied edit, newest first, so the model has its original weights again. They stay redoable. */
    public void revertAll() {
        while (!applied.isEmpty()) {
            undo();
        }
    }

    /** Returns the applied edits, oldest first. */
    public List<Entry> appliedEntries() {
        List<Entry> out = new ArrayList<>();
        for (Iterator<AppliedEntry> it = applied.descendingIterator(); it.hasNext(); ) {
            out.add(it.next().entry());
        }
        return out;
    }

    /** Returns the undone edits that {@link #redo()} can apply again, the next one to redo first. */
    public List<Entry> undoneEntries() {
        return List.copyOf(undone);
    }

    /** Returns the sum of the applied edits as one new delta (owned by the caller), for saving or applying elsewhere. */
    public WeightDelta combined() {
        if (applied.isEmpty()) {
            throw new IllegalStateException("No edit is applied, so there is nothing to combine");
        }
        return WeightDelta.sum(model.manager(), appliedEntries().stream().map(Entry::delta).toList());
    }

    private void discardRedo() {
        for (Entry entry : undone) {
            entry.delta().close();
        }
        undone.clear();
    }

    /** Closes every delta; the weights in the model stay as they are. */
    @Override
    public void close() {
        discardRedo();
        for (AppliedEntry entry : applied) {
            entry.entry().delta().close();
        }
        applied.clear();
    }
}
