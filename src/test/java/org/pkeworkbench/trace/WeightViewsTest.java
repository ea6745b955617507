package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.edit.MaskedEditor;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Weight norms and weight changes on the shared fixtures and a real edit of stories260K. */
class WeightViewsTest {

    private static final Device CPU = Device.cpu();

    /** Expected per-neuron L2 norms, computed in plain Java from the parameter's values. */
    private static float[] directNorms(NDArray weight, int neuronAxis) {
        long[] shape = weight.getShape().getShape();
        float[] values = weight.toFloatArray();
        int rows = (int) shape[0];
        int columns = (int) shape[1];
        double[] sums = new double[neuronAxis == 0 ? rows : columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double v = values[r * columns + c];
                sums[neuronAxis == 0 ? r : c] += v * v;
            }
        }
        float[] out = new float[sums.length];
        for (int i = 0; i < sums.length; i++) {
            out[i] = (float) Math.sqrt(sums[i]);
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), what + " neuron " + i);
        }
    }

    @Test
    void llamaNormsMatchParameterValues() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), CPU)) {
            NeuronWeightTables norms = WeightViews.norms(model);
            int layers = model.config().numLayers();
            int neurons = model.config().intermediateSize();
            assertEquals(layers, norms.layerCount());
            assertTrue(norms.hasGate());
            for (int l = 0; l < layers; l++) {
                MlpLayout layout = model.mlpLayout(l);
                assertEquals(neurons, norms.down()[l].length);
                assertClose(directNorms(model.parameter(layout.down()), layout.downNeuronAxis()), norms.down()[l],
                        "down layer " + l);
                assertClose(directNorms(model.parameter(layout.gate()), layout.inNeuronAxis()), norms.gate()[l],
                        "gate layer " + l);
                assertClose(directNorms(model.parameter(layout.up()), layout.inNeuronAxis()), norms.up()[l],
                        "up layer " + l);
            }
        }
    }

    @Test
    void gpt2NormsMatchWithoutGate() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-gpt2"), CPU)) {
            NeuronWeightTables norms = WeightViews.norms(model);
            assertFalse(norms.hasGate());
            assertNull(norms.gate());
            for (int l = 0; l < model.config().numLayers(); l++) {
                MlpLayout layout = model.mlpLayout(l);
                assertEquals(model.config().intermediateSize(), norms.up()[l].length);
                assertClose(directNorms(model.parameter(layout.down()), layout.downNeuronAxis()), norms.down()[l],
                        "c_proj layer " + l);
                assertClose(directNorms(model.parameter(layout.up()), layout.inNeuronAxis()), norms.up()[l],
                        "c_fc layer " + l);
            }
        }
    }

    @Test
    void selfChangeIsZero() throws IOException {
        for (String fixture : List.of("tiny-llama3", "tiny-gpt2")) {
            try (DecoderModel a = DecoderModel.load(SharedFiles.fixture(fixture), CPU);
                    DecoderModel b = DecoderModel.load(SharedFiles.fixture(fixture), CPU)) {
                NeuronWeightTables change = WeightViews.change(a, b);
                assertAllZero(change.down(), fixture + " down");
                assertAllZero(change.up(), fixture + " up");
                if (change.hasGate()) {
                    assertAllZero(change.gate(), fixture + " gate");
                }
            }
        }
    }

    @Test
    void differentArchitecturesAreRejected() throws IOException {
        try (DecoderModel llama = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), CPU);
                DecoderModel gpt2 = DecoderModel.load(SharedFiles.fixture("tiny-gpt2"), CPU)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> WeightViews.change(llama, gpt2));
            assertTrue(error.getMessage().contains("configs differ"), error.getMessage());
            assertTrue(error.getMessage().contains("architecture"), error.getMessage());
        }
    }

    @Test
    void writtenEditChangesOnlyHotSpots(@TempDir Path temp) throws IOException {
        Path editedDir = temp.resolve("edited");
        Set<Integer> hot = Set.of(5, 17, 40);
        int hotLayer = 3;
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), CPU)) {
            List<EditExample> examples = List.of(new EditExample(new long[] {1, 403, 407, 261, 378},
                    new long[] {432, 383, 286, 261}, new long[] {432, 383, 315, 421, 395}));
            List<LocalityExample> locality = List.of(
                    new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));
            MaskedEditor.EditRun run = new MaskedEditor(model).edit(examples, locality,
                    List.of(new HotSpot(hotLayer, List.copyOf(hot))), EditSettings.pkeDefaults().withSteps(2),
                    ProgressListener.NONE);
            try (WeightDelta delta = run.delta()) {
                WeightDelta.AppliedEdit applied = delta.apply(model);
                EditedModelWriter.write(model, editedDir);
                applied.revert();
            }

            try (DecoderModel edited = DecoderModel.load(editedDir, CPU)) {
                NeuronWeightTables change = WeightViews.change(model, edited);
                assertNotNull(change.gate());
                for (int l = 0; l < model.config().numLayers(); l++) {
                    for (int j = 0; j < model.config().intermediateSize(); j++) {
                        boolean expected = l == hotLayer && hot.contains(j);
                        assertEquals(expected, change.down()[l][j] > 0,
                                "down change of layer " + l + " neuron " + j + ": " + change.down()[l][j]);
                        assertEquals(0f, change.gate()[l][j], "gate is not trained by default");
                        assertEquals(0f, change.up()[l][j], "up is not trained by default");
                    }
                }
            }
        }
    }

    private static void assertAllZero(float[][] table, String what) {
        for (int l = 0; l < table.length; l++) {
            for (int j = 0; j < table[l].length; j++) {
                assertEquals(0f, table[l][j], what + " layer " + l + " neuron " + j);
            }
        }
    }
}
