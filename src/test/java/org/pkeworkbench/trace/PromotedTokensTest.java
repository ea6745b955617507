package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import org.pkeworkbench.testing.SharedFiles;

/** Checks the tokens that traced heads and neurons promote against a direct computation on stories260K. */
class PromotedTokensTest {

    private static final long[] TOKENS = {1, 17, 42, 99, 7, 250};
    private static final int TOP_K = 3;

    @Test
    void neuronTokensMatchDirectUnembedding() throws IOException {
        Path modelDir = SharedFiles.stories260K();
        try (DecoderModel model = DecoderModel.load(modelDir, Device.cpu())) {
            ContributionGraph graph = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);
            int layer = 2;
            int position = 4;
            NeuronContribution neuron = graph.layer(layer).topNeurons().get(position).get(0);
            assertEquals(PromotedTokens.COUNT, neuron.promotedTokens().size());

            float activation = activation(model, layer, position, neuron.neuron());
            assertEquals(activation, neuron.activation(), 1e-6);
            long[] expected = topIds(directLogits(model, layer, neuron.neuron(), activation), 0,
                    model.config().vocabSize(), PromotedTokens.COUNT);

            long[] actual = neuron.promotedTokens().stream().mapToLong(Long::parseLong).toArray();
            assertArrayEquals(expected, actual, "promoted tokens of neuron " + neuron.neuron());
        }
    }

    @Test
    void keptEntriesHaveFiveDecodedTokens() throws IOException {
        Path modelDir = SharedFiles.stories260K();
        try (DecoderModel model = DecoderModel.load(modelDir, Device.cpu())) {
            TextTokenizer tokenizer = TextTokenizer.load(modelDir);
            ContributionGraph graph = new ContributionTracer(model, TOP_K, tokenizer).trace(TOKENS,
                    ProgressListener.NONE);
            ContributionGraph byId = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);

            for (int layer = 0; layer < graph.numLayers(); layer++) {
                for (int t = 0; t < TOKENS.length; t++) {
                    List<HeadContribution> heads = graph.layer(layer).topHeads().get(t);
                    assertFalse(heads.isEmpty());
                    for (int i = 0; i < heads.size(); i++) {
                        List<String> texts = heads.get(i).promotedTokens();
                        List<String> ids = byId.layer(layer).topHeads().get(t).get(i).promotedTokens();
                        assertEquals(PromotedTokens.COUNT, texts.size());
                        for (int k = 0; k < texts.size(); k++) {
                            assertEquals(tokenizer.decode(new long[] {Long.parseLong(ids.get(k))}, false),
                                    texts.get(k));
                        }
                    }
                    for (NeuronContribution neuron : graph.layer(layer).topNeurons().get(t)) {
                        assertEquals(PromotedTokens.COUNT, neuron.promotedTokens().size());
                    }
                }
            }
        }
    }

    /** Returns the {@code k} ids with the largest values in {@code values[offset, offset + length)}, largest first. */
    private static long[] topIds(float[] values, int offset, int length, int k) {
        return java.util.stream.IntStream.range(0, length).boxed()
                .sorted((a, b) -> Float.compare(values[offset + b], values[offset + a]))
                .limit(k)
                .mapToLong(Integer::longValue)
                .toArray();
    }

    @Test
    void chunkedLensMatchesOneCall() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            NDArray vectors = model.parameter("model.embed_tokens.weight").get("0:3").duplicate();
            vectors.attach(scope);

            List<List<String>> whole = new PromotedTokens(model, null).of(scope, vectors);
            List<List<String>> rowByRow = new PromotedTokens(model, null, 1).of(scope, vectors);

            assertEquals(3, whole.size());
            assertEquals(whole, rowByRow);
            assertEquals(PromotedTokens.COUNT, whole.get(0).size());
            assertTrue(whole.get(2).stream().allMatch(id -> Long.parseLong(id) < model.config().vocabSize()));
        }
    }

    private static float activation(DecoderModel model, int layer, int position, int neuron) {
        try (NDManager scope = model.manager().newSubManager()) {
            ForwardResult result = model.forward(scope, scope.create(TOKENS).reshape(1, TOKENS.length),
                    ForwardOptions.create().withoutLogits().capture(HookPoints.mlpAct(layer)));
            float[] acts = result.capture(HookPoints.mlpAct(layer)).toFloatArray();
            return acts[position * model.config().intermediateSize() + neuron];
        }
    }

    /** RMSNorm and tied unembedding of {@code activation * W_down[:, neuron]}, in plain Java: {@code [vocab]}. */
    private static float[] directLogits(DecoderModel model, int layer, int neuron, float activation) {
        MlpLayout layout = model.mlpLayout(layer);
        int hidden = model.config().hiddenSize();
        int intermediate = model.config().intermediateSize();
        int vocab = model.config().vocabSize();
        float[] down = model.parameter(layout.down()).toFloatArray();
        float[] normWeight = model.parameter("model.norm.weight").toFloatArray();
        float[] unembedding = model.parameter("model.embed_tokens.weight").toFloatArray();

        double[] direction = new double[hidden];
        double meanSquare = 0;
        for (int i = 0; i < hidden; i++) {
            direction[i] = activation * down[i * intermediate + neuron];
            meanSquare += direction[i] * direction[i] / hidden;
        }
        double scale = 1 / Math.sqrt(meanSquare + model.config().normEps());
        float[] logits = new float[vocab];
        for (int v = 0; v < vocab; v++) {
            double sum = 0;
            for (int i = 0; i < hidden; i++) {
                sum += unembedding[v * hidden + i] * direction[i] * scale * normWeight[i];
            }
            logits[v] = (float) sum;
        }
        return logits;
    }
}
