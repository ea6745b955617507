package org.pkeworkbench.edit;

import org.pkeworkbench.testing.ModelOutputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.StoredDType;
import org.pkeworkbench.model.io.WeightStore;
import org.pkeworkbench.testing.SharedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A masked edit of a float16 stories260K, and writing a float16 model back to disk. */
class Float16EditTest {

    private static final Logger LOG = LoggerFactory.getLogger(Float16EditTest.class);

    /** The records of the float32 editor test: prompts from stories260K's own text, safe and unsafe continuations. */
    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                    new long[] {432, 383, 315, 421, 395}),
            new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}),
            new EditExample(new long[] {1, 410, 408, 419, 292}, new long[] {411, 322, 265}, new long[] {282, 295, 433}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));

    private static DecoderModel half;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() throws IOException {
        half = DecoderModel.load(SharedFiles.stories260K(), Device.cpu(), ComputeDType.FLOAT16);
    }

    @AfterAll
    static void close() {
        half.close();
    }

    private static float[] logits(long[] ids) {
        return ModelOutputs.logits(half, ids);
    }

    @Test
    void editLowersUnsafeProbabilityAndSafeNll() {
        long[] probe = EXAMPLES.get(0).promptAndSafe();
        float[] before = logits(probe);
        List<HotSpot> spots = List.of(new HotSpot(3, List.of(5, 17, 40)));
        EditSettings settings = EditSettings.pkeDefaults().withSteps(8);

        MaskedEditor.EditRun run = new MaskedEditor(half).edit(EXAMPLES, LOCALITY, spots, settings,
                ProgressListener.NONE);
        try (WeightDelta delta = run.delta()) {
            StepRecord first = run.history().get(0);
            StepRecord last = run.history().get(run.history().size() - 1);
            LOG.info("Float16 edit: safe NLL {} -> {}, unsafe probability {} -> {}", first.safeNll(), last.safeNll(),
                    first.unsafeProbability(), last.unsafeProbability());
            assertEquals(8, run.stepsRun());
            StepRecord reference = float32LastStep(spots, settings);
            LOG.info("Float32 edit, same settings: last safe NLL {}, unsafe probability {}", reference.safeNll(),
                    reference.unsafeProbability());
            assertEquals(reference.safeNll(), last.safeNll(), 1e-2, "safe NLL of the last step against float32");
            assertEquals(reference.unsafeProbability(), last.unsafeProbability(), 1e-2,
                    "unsafe probability of the last step against float32");
            assertTrue(last.safeNll() < first.safeNll(), "safe NLL decreases");
            assertTrue(last.unsafeProbability() < first.unsafeProbability(), "unsafe probability decreases");

            float[] change = delta.neuronChange(half, 3);
            for (int j = 0; j < change.length; j++) {
                boolean hot = j == 5 || j == 17 || j == 40;
                assertEquals(hot, change[j] > 0, "neuron " + j + " changed: " + change[j]);
            }

            WeightDelta.AppliedEdit applied = delta.apply(half);
            String down = half.mlpLayout(3).down();
            assertEquals(DataType.FLOAT16, half.parameter(down).getDataType(), "an applied edit keeps float16");
            assertFalse(java.util.Arrays.equals(before, logits(probe)), "applying the delta changes the logits");
            applied.revert();
            assertArrayEquals(before, logits(probe), "revert restores the original logits");
        }
    }

    private static StepRecord float32LastStep(List<HotSpot> spots, EditSettings settings) {
        try (DecoderModel wide = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            MaskedEditor.EditRun run = new MaskedEditor(wide).edit(EXAMPLES, LOCALITY, spots, settings,
                    ProgressListener.NONE);
            run.delta().close();
            return run.history().get(run.history().size() - 1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void writerStoresFloat16WeightsExactlyAsF32() throws IOException {
        Path out = temp.resolve("written");
        EditedModelWriter.write(half, out);

        try (WeightStore store = WeightStore.open(out);
                DecoderModel written = DecoderModel.load(out, Device.cpu())) {
            for (String name : half.parameterNames()) {
                assertEquals(StoredDType.F32, store.info(half.storedName(name)).orElseThrow().dtype(), name);
                try (NDManager scope = half.manager().newSubManager()) {
                    NDArray widened = half.parameterFloat32(name, scope);
                    assertTrue(widened.contentEquals(written.parameter(name)), name + " round-trips exactly");
                }
            }
        }
    }
}
