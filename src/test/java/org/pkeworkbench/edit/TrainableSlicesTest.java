package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Edits with the slice-sized state ({@link TrainableSlices}) against the whole-matrix reference
 * ({@link WholeMatrixSlices}, the state the edit kept before): same model, records, hot spots and
 * settings, so every step's losses and the final weight changes must agree.
 *
 * <p>The two states compute the same sums in a different order: the reference multiplies by
 * {@code W + change}, the slice state adds the slices' product to {@code W}'s. So they agree to
 * float32 rounding, not bit for bit, and Adam enlarges the rounding where a gradient is close to
 * zero, because it divides by the gradient's own size. The tolerances allow for that. The forward
 * pass itself is compared at 1e-5 in {@code SliceChangeTest}.
 */
class TrainableSlicesTest {

    /** Token ids below 300, valid for every model here (tiny-gpt2 has the smallest vocabulary, 300). */
    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 203, 207, 261, 178}, new long[] {232, 183, 286, 261},
                    new long[] {232, 183, 115, 221, 195}),
            new EditExample(new long[] {1, 176, 298, 115}, new long[] {221, 195, 117}, new long[] {226, 138, 201}),
            new EditExample(new long[] {1, 210, 208}, new long[] {211, 122}, new long[] {211, 122}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 226, 138, 191}, new long[] {266, 267, 137}),
            new LocalityExample(new long[] {1, 100}, new long[] {101, 102, 103, 104}));

    /**
     * Largest allowed differences between the two states. A weight change may differ by a share of
     * the largest change of its matrix, and a loss by a share of the loss. The KL gets more room,
     * because the probe's large gradient-descent steps make it swing from 20 at step 4 to 2 at
     * step 5 on the demo model, which enlarges the rounding difference to about 3e-5 of the value.
     */
    private static final float WEIGHT_TOLERANCE = 1e-3f;
    private static final double LOSS_TOLERANCE = 1e-5;
    private static final double KL_TOLERANCE = 1e-4;
    private static final int STEPS = 5;

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Object[] model : new Object[][] {{"stories260K", SharedFiles.stories260K()},
                {"demo", DemoModel.directory()}, {"tiny-gpt2", SharedFiles.fixture("tiny-gpt2")}}) {
            for (String method : List.of("pke-down", "pke-down-gate-up", "pke-clip-norm", "dinm", "ftl", "probe")) {
                out.add(Arguments.of(model[0], model[1], method));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("cases")
    void sliceStateMatchesWholeMatrixState(String modelName, Path directory, String method) throws IOException {
        try (DecoderModel model = DecoderModel.load(directory, Device.cpu())) {
            int layers = model.config().numLayers();
            List<HotSpot> spots = hotSpots(method, layers, model.config().intermediateSize());
            EditSettings settings = settings(method);
            SliceOptimizer.Factory optimizer = method.equals("probe") ? MaskedGradientDescent::new : MaskedAdam::new;

            MaskedEditor editor = new MaskedEditor(model);
            MaskedEditor.EditRun reference = editor.edit(EXAMPLES, LOCALITY, spots, settings, ProgressListener.NONE,
                    optimizer, WholeMatrixSlices::new);
            MaskedEditor.EditRun sliced = editor.edit(EXAMPLES, LOCALITY, spots, settings, ProgressListener.NONE,
                    optimizer);
            try (WeightDelta expected = reference.delta(); WeightDelta actual = sliced.delta()) {
                assertSameRun(reference, sliced);
                assertSameChanges(expected, actual);
                assertEquals(expected.changedWeightCount(), actual.changedWeightCount(), "changed weights");
                assertEquals(expected.hotSpots(), actual.hotSpots());
                if (settings.maxChange() > 0) {
                    for (NDArray change : actual.changes().values()) {
                        assertEquals(settings.maxChange(), change.abs().max().getFloat(), 1e-7,
                                "the change bound is reached and holds");
                    }
                }
            }
        }
    }

    @Test
    void earlyStopHappensAtTheSameStep() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            MaskedEditor editor = new MaskedEditor(model);
            List<HotSpot> spots = List.of(new HotSpot(3, List.of(2, 8, 50, 51, 120)));
            EditSettings free = settings("pke-down").withSteps(8);
            MaskedEditor.EditRun unbounded = editor.edit(EXAMPLES, LOCALITY, spots, free, ProgressListener.NONE);
            unbounded.delta().close();
            // A target just above step 3's safe NLL: the edit reaches it at step 3 or soon after.
            double target = unbounded.history().get(2).safeNll() + 1e-4;
            EditSettings stopping = new EditSettings("pke", free.learningRate(), 8, free.safeWeight(),
                    free.unlikelihoodWeight(), free.klWeight(), free.firstPositionKlWeight(), true, 0,
                    free.matrices(), target, 0, 0, 42L);

            MaskedEditor.EditRun reference = editor.edit(EXAMPLES, LOCALITY, spots, stopping, ProgressListener.NONE,
                    MaskedAdam::new, WholeMatrixSlices::new);
            MaskedEditor.EditRun sliced = editor.edit(EXAMPLES, LOCALITY, spots, stopping, ProgressListener.NONE);
            try (WeightDelta expected = reference.delta(); WeightDelta actual = sliced.delta()) {
                assertTrue(sliced.stoppedEarly(), "the slice-sized edit stops early");
                assertTrue(sliced.stepsRun() < 8, "steps run: " + sliced.stepsRun());
                assertSameRun(reference, sliced);
                assertSameChanges(expected, actual);
            }
        }
    }

    @Test
    void editResultKeepsOnlyTheSlices() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            List<HotSpot> spots = List.of(new HotSpot(3, List.of(2, 8, 50)), new HotSpot(4, List.of(7)));
            MaskedEditor.EditRun run = new MaskedEditor(model).edit(EXAMPLES, LOCALITY, spots,
                    settings("pke-down-gate-up"), ProgressListener.NONE);
            try (WeightDelta delta = run.delta()) {
                // Three matrices per layer, each keeping hidden (64) values per hot-spot neuron.
                assertEquals(3L * 64 * (3 + 1), delta.storedValueCount(), "slice-sized values");
                for (NDArray change : delta.changes().values()) {
                    assertEquals(64L * 172, change.getShape().size(), "full-shape changes on demand");
                }
                assertEquals(delta.changedWeightCount(), delta.changes().values().stream()
                        .mapToLong(change -> change.neq(0f).countNonzero().getLong()).sum(), "same nonzero count");
            }
        }
    }

    @Test
    void deltasMatchSliceShapes() throws IOException {
        EditSettings allMatrices = settings("pke-down-gate-up");
        try (DecoderModel llama = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager manager = llama.manager().newSubManager()) {
            // Two hot spots of layer 1 are merged into one slice of 4 neurons.
            List<HotSpot> spots = List.of(new HotSpot(1, List.of(3, 9, 40)), new HotSpot(1, List.of(9, 171)));
            TrainableSlices slices = new TrainableSlices(llama, manager, spots, allMatrices);
            MlpLayout layout = llama.mlpLayout(1);
            Map<String, NDArray> deltas = slices.trainable();

            assertEquals(new Shape(64, 4), deltas.get(layout.down()).getShape(), "down_proj [hidden, k]");
            assertEquals(new Shape(4, 64), deltas.get(layout.gate()).getShape(), "gate_proj [k, hidden]");
            assertEquals(new Shape(4, 64), deltas.get(layout.up()).getShape(), "up_proj [k, hidden]");
            for (NDArray delta : deltas.values()) {
                assertEquals(DataType.FLOAT32, delta.getDataType());
                assertTrue(delta.hasGradient(), "the delta trains");
            }
            assertNull(slices.gradientMask(layout.down()), "no mask: every element of the delta trains");
        }
        try (DecoderModel gpt2 = DecoderModel.load(SharedFiles.fixture("tiny-gpt2"), Device.cpu());
                NDManager manager = gpt2.manager().newSubManager()) {
            TrainableSlices slices = new TrainableSlices(gpt2, manager, List.of(new HotSpot(2, List.of(0, 191))),
                    allMatrices);
            MlpLayout layout = gpt2.mlpLayout(2);

            assertEquals(new Shape(2, 48), slices.trainable().get(layout.down()).getShape(), "c_proj [k, hidden]");
            assertEquals(new Shape(48, 2), slices.trainable().get(layout.up()).getShape(), "c_fc [hidden, k]");
            assertEquals(2, slices.trainable().size(), "GPT-2 has no gate");
        }
    }

    @Test
    void wholeLayerDeltaHasTheMatrixShape() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            List<Integer> every = IntStream.range(0, 172).boxed().toList();
            TrainableSlices slices = new TrainableSlices(model, manager, List.of(new HotSpot(4, every)),
                    EditSettings.dinmDefaults());

            NDArray delta = slices.trainable().get(model.mlpLayout(4).down());
            assertEquals(model.parameter(model.mlpLayout(4).down()).getShape(), delta.getShape());
        }
    }

    @Test
    void changesScatterTheSlicesIntoZeros() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            TrainableSlices slices = new TrainableSlices(model, manager, List.of(new HotSpot(0, List.of(1, 5))),
                    settings("pke-down-gate-up"));
            MlpLayout layout = model.mlpLayout(0);
            float[] columns = new float[64 * 2];
            for (int i = 0; i < columns.length; i++) {
                columns[i] = i + 1;
            }
            slices.trainable().get(layout.down()).set(columns);

            Map<String, NDArray> changes = slices.changes(manager);
            float[] down = changes.get(layout.down()).toFloatArray();
            assertEquals(64 * 172, down.length);
            for (int row = 0; row < 64; row++) {
                for (int neuron = 0; neuron < 172; neuron++) {
                    float expected = 0f;
                    if (neuron == 1) {
                        expected = columns[row * 2];
                    } else if (neuron == 5) {
                        expected = columns[row * 2 + 1];
                    }
                    assertEquals(expected, down[row * 172 + neuron], "row " + row + ", neuron " + neuron);
                }
            }
            assertEquals(0f, changes.get(layout.up()).abs().max().getFloat(), "untouched slices stay zero");
        }
    }

    private static List<HotSpot> hotSpots(String method, int layers, int neurons) {
        List<Integer> every = IntStream.range(0, neurons).boxed().toList();
        return switch (method) {
            // DINM and FT-L train whole matrices of one layer.
            case "dinm", "ftl" -> List.of(new HotSpot(layers - 2, every));
            default -> List.of(new HotSpot(layers - 1, List.of(0, 9, 33)), new HotSpot(1, List.of(5, 17, 40, 100)));
        };
    }

    private static EditSettings settings(String method) {
        EnumSet<EditSettings.TrainedMatrix> down = EnumSet.of(EditSettings.TrainedMatrix.DOWN);
        EnumSet<EditSettings.TrainedMatrix> all = EnumSet.allOf(EditSettings.TrainedMatrix.class);
        return switch (method) {
            case "pke-down" -> new EditSettings("pke", 5e-3, STEPS, 1.0, 0.1, 2.0, 4.0, true, 0, down, 0, 0, 0, 42L);
            case "pke-down-gate-up" -> new EditSettings("pke", 5e-3, STEPS, 1.0, 0.5, 2.0, 4.0, true, 0, all, 0, 0,
                    0, 42L);
            // A change bound below STEPS * learning rate, so that the clip is reached.
            case "pke-clip-norm" -> new EditSettings("pke", 5e-3, STEPS, 1.0, 0.1, 2.0, 4.0, true, 0.01, all, 0, 0,
                    0.012, 42L);
            case "dinm" -> EditSettings.dinmDefaults().withSteps(STEPS);
            case "ftl" -> EditSettings.ftlDefaults().withSteps(STEPS);
            case "probe" -> WeightChangeProbe.probeSettings(new EditSettings("pke", 5e-2, STEPS, 1.0, 0.1, 2.0, 4.0,
                    true, 0, all, 0, 0, 0, 42L), STEPS);
            default -> throw new IllegalArgumentException("Unknown case " + method);
        };
    }

    private static void assertSameRun(MaskedEditor.EditRun expected, MaskedEditor.EditRun actual) {
        assertEquals(expected.stepsRun(), actual.stepsRun(), "steps run");
        assertEquals(expected.stoppedEarly(), actual.stoppedEarly(), "stopped early");
        for (int i = 0; i < expected.history().size(); i++) {
            StepRecord want = expected.history().get(i);
            StepRecord got = actual.history().get(i);
            assertClose(want.loss(), got.loss(), LOSS_TOLERANCE, "loss of step " + (i + 1));
            assertClose(want.safeNll(), got.safeNll(), LOSS_TOLERANCE, "safe NLL of step " + (i + 1));
            assertClose(want.unsafeProbability(), got.unsafeProbability(), LOSS_TOLERANCE,
                    "unsafe probability of step " + (i + 1));
            assertClose(want.kl(), got.kl(), KL_TOLERANCE, "KL of step " + (i + 1));
        }
    }

    private static void assertSameChanges(WeightDelta expected, WeightDelta actual) {
        assertEquals(List.copyOf(expected.changes().keySet()), List.copyOf(actual.changes().keySet()));
        for (Map.Entry<String, NDArray> entry : expected.changes().entrySet()) {
            NDArray other = actual.changes().get(entry.getKey());
            assertEquals(entry.getValue().getShape(), other.getShape(), entry.getKey() + " shape");
            float[] want = entry.getValue().toFloatArray();
            float largest = maxAbs(want);
            assertTrue(largest > 1e-4f, entry.getKey() + " changed");
            float[] got = other.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                if (want[i] == 0f) {
                    assertEquals(0f, got[i], entry.getKey() + " stays unchanged outside the slices at " + i);
                }
            }
            assertArrayEquals(want, got, WEIGHT_TOLERANCE * largest, entry.getKey());
        }
    }

    private static void assertClose(double expected, double actual, double tolerance, String quantity) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), quantity + " is not measured in either run");
            return;
        }
        assertEquals(expected, actual, tolerance * Math.max(1.0, Math.abs(expected)), quantity);
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
