package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.testing.SharedFiles;

/**
 * {@link WeightDelta#sum} on changes of stories260K's layer-2 down projection ({@code [hidden, 172]},
 * neuron axis 1): slices stay slices over the union of the neurons, and a full-shape change makes
 * the sum full-shape. Every sum equals the sum of the full-shape changes.
 */
class WeightDeltaSumTest {

    private static DecoderModel model;
    private static String down;
    private static long[] shape;

    @BeforeAll
    static void load() throws IOException {
        model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
        down = model.mlpLayout(2).down();
        shape = model.parameter(down).getShape().getShape();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void overlappingSlicesSumOverTheUnion() {
        try (WeightDelta first = sliced(new long[] {3, 9}, 1f);
                WeightDelta second = sliced(new long[] {9, 20, 40}, 2f);
                WeightDelta sum = WeightDelta.sum(model.manager(), List.of(first, second))) {
            assertEquals(4 * shape[0], sum.storedValueCount(), "neurons 3, 9, 20 and 40");
            assertArrayEquals(added(first, second), sum.changes().get(down).toFloatArray());
            assertEquals(List.of(new HotSpot(2, List.of(3, 9, 20, 40))), sum.hotSpots());
        }
    }

    @Test
    void fullShapeChangeMakesTheSumFullShape() {
        float[] values = new float[(int) (shape[0] * shape[1])];
        values[5] = 0.5f;
        try (NDManager scratch = model.manager().newSubManager()) {
            NDArray change = scratch.create(values, new Shape(shape));
            try (WeightDelta whole = new WeightDelta(model.manager(), Map.of(down, change), List.of());
                    WeightDelta slices = sliced(new long[] {5, 7}, 1f);
                    WeightDelta sum = WeightDelta.sum(model.manager(), List.of(whole, slices))) {
                assertEquals(shape[0] * shape[1], sum.storedValueCount());
                assertArrayEquals(added(whole, slices), sum.changes().get(down).toFloatArray());
            }
        }
    }

    /** Returns a delta that changes the given down-projection neurons by {@code scale} times distinct values. */
    private static WeightDelta sliced(long[] neurons, float scale) {
        float[] values = new float[(int) shape[0] * neurons.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * (i + 1) / values.length;
        }
        NDArray slices = model.manager().create(values, new Shape(shape[0], neurons.length));
        WeightDelta.Part part = new WeightDelta.Part(1, neurons, slices, new Shape(shape));
        List<Integer> spot = java.util.Arrays.stream(neurons).mapToObj(n -> (int) n).toList();
        return WeightDelta.ofParts(model.manager(), Map.of(down, part), List.of(new HotSpot(2, spot)));
    }

    private static float[] added(WeightDelta first, WeightDelta second) {
        float[] a = first.changes().get(down).toFloatArray();
        float[] b = second.changes().get(down).toFloatArray();
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
