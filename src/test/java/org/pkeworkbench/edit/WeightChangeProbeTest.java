package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.HotSpots;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** The weight-change probe on the real stories260K (5 layers, 172 MLP neurons per layer). */
class WeightChangeProbeTest {

    private static DecoderModel model;

    /** Prompts from stories260K's own greedy text; "safe" and "unsafe" continuations differ after two tokens. */
    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                    new long[] {432, 383, 315, 421, 395}),
            new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));

    private static final EditSettings ALL_MATRICES = new EditSettings("pke", 5e-3, 40, 1.0, 0.1, 2.0, 4.0, true, 0.0,
            EnumSet.allOf(EditSettings.TrainedMatrix.class), 0.0, 0.0, 0.0, 42L);

    @BeforeAll
    static void load() throws IOException {
        model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void movementShapeAndZeroRowsForOtherLayers() {
        float[][] movement = new WeightChangeProbe(model).measure(EXAMPLES, LOCALITY, List.of(1, 3),
                EditSettings.pkeDefaults(), 2, ProgressListener.NONE);

        assertEquals(5, movement.length);
        for (int layer = 0; layer < 5; layer++) {
            assertEquals(172, movement[layer].length, "neurons in layer " + layer);
            double total = 0;
            for (float value : movement[layer]) {
                assertTrue(value >= 0, "layer " + layer + " movement " + value);
                assertTrue(Float.isFinite(value), "layer " + layer + " movement " + value);
                total += value;
            }
            boolean probed = layer == 1 || layer == 3;
            assertEquals(probed, total > 0, "layer " + layer + " total movement " + total);
        }
    }

    @Test
    void movementIsNotUniformAcrossNeurons() {
        float[] layer = new WeightChangeProbe(model).measure(EXAMPLES, LOCALITY, List.of(2),
                EditSettings.pkeDefaults(), 3, ProgressListener.NONE)[2];

        float min = Float.MAX_VALUE;
        float max = 0;
        for (float value : layer) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        assertTrue(max > 2 * min, "largest movement " + max + " should clearly exceed the smallest " + min);
    }

    @Test
    void probeLeavesModelWeightsUnchanged() {
        MlpLayout layout = model.mlpLayout(3);
        float[] downBefore = model.parameter(layout.down()).toFloatArray();
        float[] upBefore = model.parameter(layout.up()).toFloatArray();

        new WeightChangeProbe(model).measure(EXAMPLES, LOCALITY, ALL_MATRICES, 2, ProgressListener.NONE);

        assertArrayEquals(downBefore, model.parameter(layout.down()).toFloatArray());
        assertArrayEquals(upBefore, model.parameter(layout.up()).toFloatArray());
    }

    @Test
    void neuronMovementIsNormOverAllSlices() {
        int layer = 2;
        List<Integer> everyNeuron = IntStream.range(0, 172).boxed().toList();
        MaskedEditor.EditRun run = new MaskedEditor(model).edit(EXAMPLES, LOCALITY,
                List.of(new HotSpot(layer, everyNeuron)), WeightChangeProbe.probeSettings(ALL_MATRICES, 2),
                ProgressListener.NONE, MaskedGradientDescent::new);
        try (WeightDelta delta = run.delta()) {
            float[] movement = WeightChangeProbe.neuronMovement(delta, model, layer);
            MlpLayout layout = model.mlpLayout(layer);
            assertEquals(1, layout.downNeuronAxis(), "Llama down_proj is [hidden, intermediate]");
            assertEquals(0, layout.inNeuronAxis(), "Llama gate_proj and up_proj are [intermediate, hidden]");

            for (int neuron : new int[] {0, 57, 171}) {
                double down = squaredNorm(delta.changes().get(layout.down()).get(new NDIndex(":, {}", neuron)));
                double gate = squaredNorm(delta.changes().get(layout.gate()).get(new NDIndex("{}, :", neuron)));
                double up = squaredNorm(delta.changes().get(layout.up()).get(new NDIndex("{}, :", neuron)));
                assertTrue(down > 0, "down column of neuron " + neuron + " moved");
                assertTrue(gate > 0, "gate row of neuron " + neuron + " moved");
                assertTrue(up > 0, "up row of neuron " + neuron + " moved");
                double expected = Math.sqrt(down + gate + up);
                assertEquals(expected, movement[neuron], 1e-5 * expected, "neuron " + neuron);
            }
        }
    }

    @Test
    void rankHotSpotsKeepsLayers() {
        LocateSettings settings = new LocateSettings(2, LocateSettings.NeuronSelection.COUNT, 5, 1, 1, 1)
                .withProbeSteps(2);
        List<HotSpot> located = List.of(new HotSpot(0, List.of(1, 2, 3, 4, 5)), new HotSpot(4, List.of(6, 7, 8, 9, 10)));
        WeightChangeProbe probe = new WeightChangeProbe(model);

        List<HotSpot> ranked = probe.rankHotSpots(located, EXAMPLES, LOCALITY, EditSettings.pkeDefaults(), settings,
                ProgressListener.NONE);
        float[][] movement = probe.measure(EXAMPLES, LOCALITY, List.of(0, 4), EditSettings.pkeDefaults(), 2,
                ProgressListener.NONE);

        assertEquals(List.of(0, 4), ranked.stream().map(HotSpot::layer).toList());
        for (HotSpot spot : ranked) {
            List<Integer> expected = HotSpots.selectNeurons(movement[spot.layer()], settings).stream().sorted().toList();
            assertEquals(expected, spot.neurons(), "layer " + spot.layer());
        }
    }

    @Test
    void invalidProbeRequestsAreRejected() {
        WeightChangeProbe probe = new WeightChangeProbe(model);
        EditSettings settings = EditSettings.pkeDefaults();

        IllegalArgumentException noSteps = assertThrows(IllegalArgumentException.class,
                () -> probe.measure(EXAMPLES, LOCALITY, List.of(1), settings, 0, ProgressListener.NONE));
        assertTrue(noSteps.getMessage().contains("at least 1 step"), noSteps.getMessage());
        IllegalArgumentException badLayer = assertThrows(IllegalArgumentException.class,
                () -> probe.measure(EXAMPLES, LOCALITY, List.of(5), settings, 1, ProgressListener.NONE));
        assertTrue(badLayer.getMessage().contains("layer 5"), badLayer.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> probe.measure(EXAMPLES, LOCALITY, List.of(), settings, 1, ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> probe.measure(EXAMPLES, LOCALITY, List.of(2, 2), settings, 1, ProgressListener.NONE));
    }

    @Test
    void cancelledProbeThrowsAndLeavesModelUnchanged() {
        float[] downBefore = model.parameter(model.mlpLayout(1).down()).toFloatArray();
        ProgressListener cancelled = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {}

            @Override
            public boolean isCancelled() {
                return true;
            }
        };

        assertThrows(CancellationException.class, () -> new WeightChangeProbe(model).measure(EXAMPLES, LOCALITY,
                List.of(1), EditSettings.pkeDefaults(), 3, cancelled));
        assertArrayEquals(downBefore, model.parameter(model.mlpLayout(1).down()).toFloatArray());
    }

    private static double squaredNorm(NDArray slice) {
        double sum = 0;
        for (float value : slice.toFloatArray()) {
            sum += (double) value * value;
        }
        return sum;
    }
}
