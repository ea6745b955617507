package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;

/** Checks the weight statistics of {@link CoreBackend} on the demo model before, during and after an edit. */
class CoreBackendWeightStatisticsTest {

    @Test
    void statisticsFollowEditAndRevert() throws Exception {
        try (CoreBackend backend = new CoreBackend(new CoreBackend.Settings("cpu",
                EditSettings.pkeDefaults().withSteps(3), LocateSettings.DEFAULT, 12, 2, 4, 4))) {
            assertTrue(backend.weightStatistics().isEmpty(), "no statistics before a model is loaded");

            backend.loadDemoModel(ProgressListener.NONE);
            backend.loadDataset(DatasetRole.EDIT, backend.demoDataset(DatasetRole.EDIT));
            backend.loadDataset(DatasetRole.EVALUATION, backend.demoDataset(DatasetRole.EVALUATION));
            DecoderModel model = backend.languageModel().decoder();
            int layers = model.config().numLayers();
            int intermediate = model.config().intermediateSize();

            Map<String, float[][]> before = backend.weightStatistics();
            assertEquals(List.of(CoreBackend.DOWN_NORM, CoreBackend.GATE_NORM, CoreBackend.UP_NORM),
                    List.copyOf(before.keySet()));
            for (float[][] table : before.values()) {
                assertEquals(layers, table.length);
                assertEquals(intermediate, table[0].length);
            }
            assertEquals(directDownNorm(model, 1, 5), before.get(CoreBackend.DOWN_NORM)[1][5], 1e-5);

            LocateResult located = backend.locate(ProgressListener.NONE);
            List<HotSpot> hotSpots = located.suggested();
            assertFalse(hotSpots.isEmpty());
            backend.edit(hotSpots, ProgressListener.NONE);

            Map<String, float[][]> edited = backend.weightStatistics();
            assertTrue(edited.containsKey(CoreBackend.DOWN_CHANGE), "edited statistics: " + edited.keySet());
            float[][] change = edited.get(CoreBackend.DOWN_CHANGE);
            assertEquals(layers, change.length);
            Set<Integer> editedLayers = hotSpots.stream().map(HotSpot::layer).collect(Collectors.toSet());
            for (int layer = 0; layer < layers; layer++) {
                assertEquals(intermediate, change[layer].length);
                double total = 0;
                for (float value : change[layer]) {
                    total += value;
                }
                if (editedLayers.contains(layer)) {
                    assertTrue(total > 0, "layer " + layer + " was edited");
                } else {
                    assertEquals(0, total, "layer " + layer + " was not edited");
                }
            }
            int layer = hotSpots.get(0).layer();
            int neuron = hotSpots.get(0).neurons().get(0);
            assertEquals(directDownNorm(model, layer, neuron), edited.get(CoreBackend.DOWN_NORM)[layer][neuron], 1e-5,
                    "norms are of the edited weights");

            backend.revertEdit();
            Map<String, float[][]> reverted = backend.weightStatistics();
            assertFalse(reverted.containsKey(CoreBackend.DOWN_CHANGE));
            for (int l = 0; l < layers; l++) {
                assertArrayEquals(before.get(CoreBackend.DOWN_NORM)[l], reverted.get(CoreBackend.DOWN_NORM)[l]);
            }
        }
    }

    /** Returns the L2 norm of neuron {@code neuron}'s down projection column, computed in plain Java. */
    private static float directDownNorm(DecoderModel model, int layer, int neuron) {
        MlpLayout layout = model.mlpLayout(layer);
        int hidden = model.config().hiddenSize();
        int intermediate = model.config().intermediateSize();
        float[] down = model.parameter(layout.down()).toFloatArray();
        double sum = 0;
        for (int i = 0; i < hidden; i++) {
            float weight = layout.downNeuronAxis() == 1 ? down[i * intermediate + neuron] : down[neuron * hidden + i];
            sum += weight * weight;
        }
        return (float) Math.sqrt(sum);
    }
}
