package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Stacked edits on stories260K: undo, redo, revert to original and the summed delta. */
class EditHistoryTest {

    private static final EditExample EXAMPLE = new EditExample(new long[] {1, 403, 407, 261, 378},
            new long[] {432, 383, 286, 261}, new long[] {432, 383, 315, 421, 395});
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));

    private DecoderModel model;
    private String down3;
    private String down4;

    @BeforeEach
    void load() throws IOException {
        model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
        down3 = model.mlpLayout(3).down();
        down4 = model.mlpLayout(4).down();
    }

    @AfterEach
    void close() {
        model.close();
    }

    private WeightDelta edit(HotSpot spot) {
        return new MaskedEditor(model).edit(List.of(EXAMPLE), LOCALITY, List.of(spot),
                EditSettings.pkeDefaults().withSteps(2), ProgressListener.NONE).delta();
    }

    private float[] weights(String name) {
        return model.parameter(name).toFloatArray();
    }

    @Test
    void undoRedoAndRevertAllRestoreExactWeights() {
        float[] original3 = weights(down3);
        float[] original4 = weights(down4);
        try (EditHistory history = new EditHistory(model)) {
            history.push("first", edit(new HotSpot(3, List.of(1, 2, 3))), null);
            float[] afterFirst3 = weights(down3);
            history.push("second", edit(new HotSpot(4, List.of(7, 8))), null);
            float[] afterSecond4 = weights(down4);
            assertFalse(java.util.Arrays.equals(original3, afterFirst3), "the first edit changed layer 3");
            assertFalse(java.util.Arrays.equals(original4, afterSecond4), "the second edit changed layer 4");
            assertEquals(List.of("first", "second"), history.appliedEntries().stream().map(EditHistory.Entry::name)
                    .toList());

            assertEquals("second", history.undo().name());
            assertEquals(java.util.Arrays.toString(original4), java.util.Arrays.toString(weights(down4)));
            assertEquals(java.util.Arrays.toString(afterFirst3), java.util.Arrays.toString(weights(down3)));

            assertEquals("second", history.redo().name());
            assertEquals(java.util.Arrays.toString(afterSecond4), java.util.Arrays.toString(weights(down4)));

            history.revertAll();
            assertEquals(java.util.Arrays.toString(original3), java.util.Arrays.toString(weights(down3)));
            assertEquals(java.util.Arrays.toString(original4), java.util.Arrays.toString(weights(down4)));
            assertFalse(history.canUndo());
            assertTrue(history.canRedo());
            assertEquals(List.of("first", "second"), history.undoneEntries().stream().map(EditHistory.Entry::name)
                    .toList(), "the next redo comes first");
        }
    }

    @Test
    void pushAfterUndoDropsTheRedoEntries() {
        try (EditHistory history = new EditHistory(model)) {
            history.push("first", edit(new HotSpot(3, List.of(1))), null);
            history.undo();
            history.push("replacement", edit(new HotSpot(4, List.of(2))), null);
            assertFalse(history.canRedo());
            assertEquals(List.of(), history.undoneEntries());
            assertEquals(List.of("replacement"), history.appliedEntries().stream().map(EditHistory.Entry::name)
                    .toList());
            assertThrows(IllegalStateException.class, history::redo);
        }
    }

    @Test
    void combinedDeltaIsTheSumOfTheStackedEdits() {
        float[] original3 = weights(down3);
        try (EditHistory history = new EditHistory(model)) {
            history.push("a", edit(new HotSpot(3, List.of(1, 2))), null);
            history.push("b", edit(new HotSpot(3, List.of(2, 5))), null);
            float[] stacked = weights(down3);
            try (WeightDelta total = history.combined()) {
                assertEquals(List.of(new HotSpot(3, List.of(1, 2, 5))), total.hotSpots());
                NDArray change = total.changes().get(down3);
                float[] summed = change.toFloatArray();
                for (int i = 0; i < summed.length; i++) {
                    assertEquals(stacked[i] - original3[i], summed[i], 1e-6, "element " + i);
                }
                history.revertAll();
                WeightDelta.AppliedEdit applied = total.apply(model);
                float[] reapplied = weights(down3);
                for (int i = 0; i < reapplied.length; i++) {
                    assertEquals(stacked[i], reapplied[i], 1e-6, "element " + i);
                }
                applied.revert();
            }
        }
    }

    @Test
    void undoWithNothingAppliedIsAClearError() {
        try (EditHistory history = new EditHistory(model)) {
            IllegalStateException error = assertThrows(IllegalStateException.class, history::undo);
            assertTrue(error.getMessage().contains("Nothing to undo"), error.getMessage());
            assertThrows(IllegalStateException.class, history::combined);
        }
    }
}
