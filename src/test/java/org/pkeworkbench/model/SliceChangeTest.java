package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.testing.SharedFiles;

/**
 * A forward pass with a {@link SliceChange} computes what the same pass computes with the changed
 * matrix as an override, and gives the delta the gradient of the changed matrix's slices. The
 * reference matrix is built in Java from the stored weight, independent of the code under test.
 */
class SliceChangeTest {

    private static final long[][] IDS = {{3, 17, 42, 99, 5, 61}, {7, 8, 9, 10, 11, 12}};
    /** Neurons of the changed slices: first, middle and last of a 4-neuron set, unsorted on purpose. */
    private static final long[] NEURONS = {9, 0, 3, 30};
    /** Allowed difference, as a share of the largest absolute value compared (float32 sums in another order). */
    private static final float TOLERANCE = 1e-5f;

    static Stream<Arguments> matrices() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String fixture : List.of("tiny-llama3", "tiny-gpt2", "tiny-qwen2")) {
            for (String matrix : List.of("down", "gate", "up")) {
                if (!(fixture.equals("tiny-gpt2") && matrix.equals("gate"))) {
                    out.add(Arguments.of(fixture, matrix));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matrices")
    void sliceChangeMatchesChangedMatrix(String fixture, String matrix) throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            MlpLayout layout = model.mlpLayout(1);
            String name = weightName(layout, matrix);
            int axis = matrix.equals("down") ? layout.downNeuronAxis() : layout.inNeuronAxis();
            NDArray weight = model.parameter(name);
            Shape deltaShape = axis == 0 ? new Shape(NEURONS.length, weight.getShape().get(1))
                    : new Shape(weight.getShape().get(0), NEURONS.length);
            float[] deltaValues = random(deltaShape.size(), 0.5f);
            NDArray ids = scope.create(IDS);

            NDArray changed = scope.create(changedMatrix(weight, axis, deltaValues), weight.getShape());
            changed.setRequiresGradient(true);
            NDArray delta = scope.create(deltaValues, deltaShape);
            delta.setRequiresGradient(true);
            NDArray neurons = scope.create(NEURONS);

            float[] expectedLogits;
            float[] actualLogits;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(scope, ids, ForwardOptions.create().override(name, changed)).logits();
                expectedLogits = logits.toFloatArray();
                collector.backward(logits.square().sum());
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(scope, ids,
                        ForwardOptions.create().changeSlices(name, new SliceChange(axis, neurons, delta))).logits();
                actualLogits = logits.toFloatArray();
                collector.backward(logits.square().sum());
            }

            assertClose(expectedLogits, actualLogits, name + " logits");
            float[] expectedGradient = slices(changed.getGradient().toFloatArray(), weight.getShape(), axis);
            assertClose(expectedGradient, delta.getGradient().toFloatArray(), name + " gradient of the slices");
            assertTrue(maxAbs(delta.getGradient().toFloatArray()) > 0, "the delta gets a gradient");
        }
    }

    @Test
    void badSliceChangesAreRejected() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            MlpLayout layout = model.mlpLayout(0);
            NDArray ids = scope.create(IDS);
            NDArray neurons = scope.create(new long[] {1, 2});
            long hidden = model.config().hiddenSize();
            NDArray downDelta = scope.zeros(new Shape(hidden, 2));

            String attention = "model.layers.0.self_attn.o_proj.weight";
            IllegalArgumentException notMlp = assertThrows(IllegalArgumentException.class, () -> model.forward(scope,
                    ids, ForwardOptions.create().changeSlices(attention, new SliceChange(1, neurons, downDelta))));
            assertTrue(notMlp.getMessage().contains(attention), notMlp.getMessage());
            assertTrue(notMlp.getMessage().contains("MLP"), notMlp.getMessage());

            IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> model.forward(scope,
                    ids, ForwardOptions.create().override(layout.down(), model.parameter(layout.down()))
                            .changeSlices(layout.down(), new SliceChange(1, neurons, downDelta))));
            assertTrue(both.getMessage().contains("both"), both.getMessage());

            NDArray rowDelta = scope.zeros(new Shape(2, model.config().intermediateSize()));
            IllegalArgumentException wrongAxis = assertThrows(IllegalArgumentException.class, () -> model.forward(
                    scope, ids, ForwardOptions.create().changeSlices(layout.down(), new SliceChange(0, neurons,
                            rowDelta))));
            assertTrue(wrongAxis.getMessage().contains("axis 1"), wrongAxis.getMessage());

            assertThrows(IllegalArgumentException.class, () -> new SliceChange(1, neurons, scope.zeros(new Shape(
                    hidden, 3))), "k differs between neurons and delta");
        }
    }

    private static String weightName(MlpLayout layout, String matrix) {
        return switch (matrix) {
            case "down" -> layout.down();
            case "gate" -> layout.gate();
            default -> layout.up();
        };
    }

    /** Returns the stored weight with {@code delta}'s slice {@code i} added to slice {@code NEURONS[i]} along {@code axis}. */
    private static float[] changedMatrix(NDArray weight, int axis, float[] delta) {
        float[] values = weight.toFloatArray();
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        int k = NEURONS.length;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                for (int i = 0; i < k; i++) {
                    if (axis == 0 && r == NEURONS[i]) {
                        values[r * columns + c] += delta[i * columns + c];
                    } else if (axis == 1 && c == NEURONS[i]) {
                        values[r * columns + c] += delta[r * k + i];
                    }
                }
            }
        }
        return values;
    }

    /** Returns the slices {@code NEURONS} of a whole-matrix array, in the delta's layout. */
    private static float[] slices(float[] whole, Shape shape, int axis) {
        int rows = (int) shape.get(0);
        int columns = (int) shape.get(1);
        int k = NEURONS.length;
        float[] out = new float[axis == 0 ? k * columns : rows * k];
        for (int i = 0; i < k; i++) {
            int neuron = (int) NEURONS[i];
            if (axis == 0) {
                System.arraycopy(whole, neuron * columns, out, i * columns, columns);
            } else {
                for (int r = 0; r < rows; r++) {
                    out[r * k + i] = whole[r * columns + neuron];
                }
            }
        }
        return out;
    }

    private static float[] random(long size, float scale) {
        Random random = new Random(7);
        float[] values = new float[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static void assertClose(float[] expected, float[] actual, String message) {
        assertArrayEquals(expected, actual, TOLERANCE * Math.max(1f, maxAbs(expected)), message);
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
