package org.pkeworkbench.edit;

import org.pkeworkbench.testing.ModelOutputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Locate and edit on the real stories260K with token-id records. */
class MaskedEditorTest {

    private static DecoderModel model;

    /** Prompts from stories260K's own greedy text; "safe" and "unsafe" continuations differ after two tokens. */
    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                    new long[] {432, 383, 315, 421, 395}),
            new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}),
            new EditExample(new long[] {1, 410, 408, 419, 292}, new long[] {411, 322, 265}, new long[] {282, 295, 433}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));

    @BeforeAll
    static void load() throws IOException {
        model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] logits(long[] ids) {
        return ModelOutputs.logits(model, ids);
    }

    @Test
    void locateScoresEveryLayerAndNeuron() {
        LocateResult result = new Locator(model).locate(EXAMPLES, LocateSettings.DEFAULT, ProgressListener.NONE);
        assertEquals(5, result.layerCount());
        assertEquals(172, result.neuronScores()[0].length);
        assertEquals(2, result.suggested().size());
        for (HotSpot spot : result.suggested()) {
            assertEquals(34, spot.neurons().size());
        }
        for (int layer = 0; layer < 5; layer++) {
            assertTrue(result.gradientScore()[layer] > 0, "gradient score of layer " + layer);
            assertTrue(result.hiddenDifference()[layer] > 0, "hidden difference of layer " + layer);
        }
    }

    @Test
    void editChangesOnlyHotSpotColumnsAndLowersSafeNll() {
        long[] probe = EXAMPLES.get(0).promptAndSafe();
        float[] before = logits(probe);
        List<HotSpot> spots = List.of(new HotSpot(3, List.of(5, 17, 40)));
        EditSettings settings = EditSettings.pkeDefaults().withSteps(8);

        MaskedEditor.EditRun run = new MaskedEditor(model).edit(EXAMPLES, LOCALITY, spots, settings,
                ProgressListener.NONE);
        try (WeightDelta delta = run.delta()) {
            assertArrayEquals(before, logits(probe), "the model is unchanged until the delta is applied");
            assertEquals(8, run.stepsRun());
            assertTrue(run.history().get(7).safeNll() < run.history().get(0).safeNll(), "safe NLL decreases");

            MlpLayout layout = model.mlpLayout(3);
            assertEquals(Set.of(layout.down()), delta.changes().keySet());
            float[] change = delta.neuronChange(model, 3);
            for (int j = 0; j < change.length; j++) {
                boolean hot = j == 5 || j == 17 || j == 40;
                assertEquals(hot, change[j] > 0, "neuron " + j + " changed: " + change[j]);
            }
            assertEquals(3L * 64, delta.changedWeightCount());

            WeightDelta.AppliedEdit applied = delta.apply(model);
            float[] edited = logits(probe);
            assertFalse(java.util.Arrays.equals(before, edited), "applying the delta changes the logits");
            applied.revert();
            assertArrayEquals(before, logits(probe), "revert restores the original logits");
        }
    }

    @Test
    void cancelledEditLeavesModelUnchanged() {
        long[] probe = EXAMPLES.get(1).promptAndSafe();
        float[] before = logits(probe);
        AtomicInteger updates = new AtomicInteger();
        ProgressListener cancelAfterTwoSteps = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                updates.incrementAndGet();
            }

            @Override
            public boolean isCancelled() {
                return updates.get() >= 2;
            }
        };
        assertThrows(CancellationException.class, () -> new MaskedEditor(model).edit(EXAMPLES, LOCALITY,
                List.of(new HotSpot(2, List.of(1, 2))), EditSettings.pkeDefaults().withSteps(20), cancelAfterTwoSteps));
        assertArrayEquals(before, logits(probe));
    }

    @Test
    void klWithoutGradientDoesNotConstrainEdit() {
        List<HotSpot> spots = List.of(new HotSpot(4, List.of(0, 1, 2, 3)));
        EditSettings base = EditSettings.dinmDefaults().withSteps(3);
        EditSettings noGradient = new EditSettings("dinm-original", base.learningRate(), 3, base.safeWeight(), 0,
                base.klWeight(), 0, false, 0, base.matrices(), 0, 0, 0, 42L);
        EditSettings noKl = new EditSettings("no-kl", base.learningRate(), 3, base.safeWeight(), 0, 0, 0, true, 0,
                base.matrices(), 0, 0, 0, 42L);
        try (WeightDelta a = new MaskedEditor(model).edit(EXAMPLES, LOCALITY, spots, noGradient, ProgressListener.NONE).delta();
                WeightDelta b = new MaskedEditor(model).edit(EXAMPLES, LOCALITY, spots, noKl, ProgressListener.NONE).delta()) {
            String name = model.mlpLayout(4).down();
            NDArray first = a.changes().get(name);
            NDArray second = b.changes().get(name);
            assertArrayEquals(second.toFloatArray(), first.toFloatArray(), 1e-7f);
        }
    }
}
