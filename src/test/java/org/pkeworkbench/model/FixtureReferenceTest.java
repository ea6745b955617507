package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Checks every decoder against the float64 reference values of the tiny fixtures: logits, capture
 * points, greedy tokens, NLL and down-projection gradients.
 */
class FixtureReferenceTest {

    private static final double LOGIT_TOLERANCE = 1e-4;

    static Stream<String> fixtures() {
        return Stream.of("tiny-llama3", "tiny-llama3-bf16-sharded", "tiny-qwen2", "tiny-mistral", "tiny-gpt2");
    }

    private static JsonNode expected(String fixture) throws IOException {
        return new ObjectMapper().readTree(SharedFiles.fixture(fixture).resolve("expected.json").toFile());
    }

    private static long[] ids(JsonNode node) {
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asLong();
        }
        return out;
    }

    private static double[] flat(JsonNode node) {
        return flatten(node).toArray();
    }

    private static java.util.stream.DoubleStream flatten(JsonNode node) {
        if (node.isArray()) {
            return java.util.stream.StreamSupport.stream(node.spliterator(), false).flatMapToDouble(FixtureReferenceTest::flatten);
        }
        return java.util.stream.DoubleStream.of(node.asDouble());
    }

    private static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (diff > worst || Double.isNaN(diff)) {
                worst = diff;
                worstIndex = i;
            }
        }
        assertTrue(worst <= tolerance, what + ": max abs diff " + worst + " at " + worstIndex + " exceeds " + tolerance);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void logitsAndCapturesMatchReference(String fixture) throws IOException {
        JsonNode expected = expected(fixture);
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            for (int s = 0; s < 2; s++) {
                long[] sequence = ids(expected.get("input_ids").get(s));
                ForwardResult out = model.forward(scope, scope.create(sequence).reshape(1, sequence.length),
                        ForwardOptions.create().captureAll());
                assertClose(flat(expected.get("logits").get(s)), out.logits().toFloatArray(), LOGIT_TOLERANCE,
                        fixture + " logits of sequence " + s);
                if (s != 0) {
                    continue;
                }
                for (int layer = 0; layer < model.config().numLayers(); layer++) {
                    assertClose(flat(expected.get("resid_post").get(layer)),
                            out.capture(HookPoints.residPost(layer)).toFloatArray(), LOGIT_TOLERANCE, "resid_post " + layer);
                    assertClose(flat(expected.get("attn_out").get(layer)),
                            out.capture(HookPoints.attnOut(layer)).toFloatArray(), LOGIT_TOLERANCE, "attn_out " + layer);
                    assertClose(flat(expected.get("mlp_out").get(layer)),
                            out.capture(HookPoints.mlpOut(layer)).toFloatArray(), LOGIT_TOLERANCE, "mlp_out " + layer);
                }
                assertClose(flat(expected.get("mlp_act_layer1")), out.capture(HookPoints.mlpAct(1)).toFloatArray(),
                        LOGIT_TOLERANCE, "mlp act layer 1");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void leftPaddedBatchMatchesSingleSequences(String fixture) throws IOException {
        JsonNode expected = expected(fixture);
        long[] first = ids(expected.get("input_ids").get(0));
        long[] second = ids(expected.get("input_ids").get(1));
        int length = Math.max(first.length, second.length);
        long[][] batch = new long[2][length];
        long[][] mask = new long[2][length];
        long[][] rows = {first, second};
        for (int b = 0; b < 2; b++) {
            int pad = length - rows[b].length;
            for (int i = 0; i < length; i++) {
                batch[b][i] = i < pad ? 0 : rows[b][i - pad];
                mask[b][i] = i < pad ? 0 : 1;
            }
        }
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(scope, scope.create(batch),
                    ForwardOptions.create().attentionMask(scope.create(mask))).logits();
            for (int b = 0; b < 2; b++) {
                int pad = length - rows[b].length;
                float[] real = logits.get(new NDIndex("{}, {}:", b, pad)).toFloatArray();
                assertClose(flat(expected.get("logits").get(b)), real, LOGIT_TOLERANCE, fixture + " padded row " + b);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void greedyDecodingMatchesReference(String fixture) throws IOException {
        JsonNode expected = expected(fixture);
        long[] prompt = ids(expected.get("input_ids").get(0));
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu())) {
            long[] tokens = new Generator(model).generate(prompt, SamplingSettings.greedy(8, List.of()));
            assertArrayEquals(ids(expected.get("greedy_new_tokens")), tokens, fixture + " greedy tokens");
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void nllAndDownProjectionGradientsMatchReference(String fixture) throws IOException {
        JsonNode expected = expected(fixture);
        long[] sequence = ids(expected.get("input_ids").get(1));
        int targetLength = expected.get("target_len").asInt();
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            int layers = model.config().numLayers();
            ForwardOptions options = ForwardOptions.create();
            NDArray[] trainable = new NDArray[layers];
            for (int layer = 0; layer < layers; layer++) {
                String name = model.mlpLayout(layer).down();
                trainable[layer] = model.parameter(name).duplicate();
                trainable[layer].attach(scope);
                trainable[layer].setRequiresGradient(true);
                options.override(name, trainable[layer]);
            }
            NDArray ids = scope.create(sequence).reshape(1, sequence.length);
            double nll;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(scope, ids, options).logits();
                NDArray loss = TokenLoss.meanNll(logits, ids, sequence.length - targetLength);
                nll = loss.getFloat();
                collector.backward(loss);
            }
            assertEquals(expected.get("nll").asDouble(), nll, 1e-4, fixture + " nll");
            for (int layer = 0; layer < layers; layer++) {
                double norm = trainable[layer].getGradient().square().sum().sqrt().getFloat();
                assertEquals(expected.get("grad_down_fro").get(layer).asDouble(), norm,
                        1e-4 * Math.max(1, expected.get("grad_down_fro").get(layer).asDouble()), "grad norm layer " + layer);
            }
            NDArray gradient = trainable[1].getGradient();
            assertEquals(new Shape(ids(expected.get("grad_down_layer1_shape"))), gradient.getShape());
            assertClose(flat(expected.get("grad_down_layer1")), gradient.toFloatArray(), 1e-5, "grad layer 1");
        }
    }
}
