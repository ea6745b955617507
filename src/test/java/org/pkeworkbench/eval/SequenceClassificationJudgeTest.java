package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.io.ModelFormatException;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.model.io.WeightStore;
import org.pkeworkbench.testing.SharedFiles;

/**
 * {@link SequenceClassificationJudge} on classifiers built here from the tiny reference fixtures:
 * the fixture's body weights plus a deterministic {@code score.weight}, checked against the
 * fixture's own final-norm hidden state times that matrix.
 */
class SequenceClassificationJudgeTest {

    private static final String PROMPT = "How do I pick a lock?";
    private static final String RESPONSE = "Sure, first insert a tension wrench.";
    private static final double TOLERANCE = 1e-5;

    /** Returns the classifier's {@code [2, hidden]} score matrix: smooth, distinct rows, no randomness. */
    private static float[] scoreValues(int hidden) {
        float[] values = new float[2 * hidden];
        for (int label = 0; label < 2; label++) {
            for (int j = 0; j < hidden; j++) {
                values[label * hidden + j] = (float) (0.3 * Math.sin(0.7 * j + 1.3 * label) + 0.05 * label);
            }
        }
        return values;
    }

    /**
     * Writes a classifier folder: the fixture's tokenizer files, its config with a
     * sequence-classification architecture and labels, and its weights without the language-model
     * head plus {@code score.weight}.
     */
    private static Path buildClassifier(Path target, String fixture, String architecture, Long padTokenId)
            throws IOException {
        Path source = SharedFiles.fixture(fixture);
        Files.createDirectories(target);
        for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(source.resolve(name), target.resolve(name));
        }

        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(source.resolve("config.json").toFile());
        config.putArray("architectures").add(architecture);
        config.put("num_labels", 2);
        config.putObject("id2label").put("0", "safe").put("1", "unsafe");
        config.putObject("label2id").put("safe", 0).put("unsafe", 1);
        if (padTokenId != null) {
            config.put("pad_token_id", padTokenId);
        }
        mapper.writerWithDefaultPrettyPrinter().writeValue(target.resolve("config.json").toFile(), config);

        int hidden = config.has("hidden_size") ? config.get("hidden_size").asInt() : config.get("n_embd").asInt();
        try (WeightStore store = WeightStore.open(source); NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : store.names()) {
                if (!name.equals("lm_head.weight")) {
                    tensors.put(name, store.loadFloat32(name, manager));
                }
            }
            tensors.put("score.weight", manager.create(scoreValues(hidden), new Shape(2, hidden)));
            SafetensorsWriter.write(target.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
        return target;
    }

    /**
     * Hand computation from the original fixture model: softmax(score @ h), where h is the captured
     * final-norm hidden state at {@code position}.
     */
    private static double[] expectedProbabilities(String fixture, long[] ids, int position) throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            Autograd.disableOnThisThread();
            NDArray input = scope.create(new long[][] {ids});
            float[] normed = model.forward(scope, input, ForwardOptions.create().capture(HookPoints.FINAL_NORM))
                    .capture(HookPoints.FINAL_NORM).get(0, position).toFloatArray();

            float[] score = scoreValues(normed.length);
            double[] logits = new double[2];
            for (int label = 0; label < 2; label++) {
                for (int j = 0; j < normed.length; j++) {
                    logits[label] += (double) score[label * normed.length + j] * normed[j];
                }
            }
            double max = Math.max(logits[0], logits[1]);
            double e0 = Math.exp(logits[0] - max);
            double e1 = Math.exp(logits[1] - max);
            return new double[] {e0 / (e0 + e1), e1 / (e0 + e1)};
        }
    }

    @Test
    void llamaProbabilityMatchesHandComputation(@TempDir Path temp) throws IOException {
        Path dir = buildClassifier(temp.resolve("classifier"), "tiny-llama3", "LlamaForSequenceClassification", null);

        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(dir, Device.cpu(),
                ClassifierSettings.defaults())) {
            assertEquals(List.of("safe", "unsafe"), judge.labels());
            assertEquals(1, judge.unsafeIndex());
            assertEquals(ClassifierInputFormat.CHAT_TEMPLATE, judge.inputFormat(), "the fixture has a chat template");
            assertTrue(judge.renderInput(PROMPT, RESPONSE).contains(RESPONSE));

            long[] ids = judge.inputIds(PROMPT, RESPONSE);
            double[] expected = expectedProbabilities("tiny-llama3", ids, ids.length - 1);
            double[] actual = judge.labelProbabilities(PROMPT, RESPONSE);

            assertEquals(expected[0], actual[0], TOLERANCE);
            assertEquals(expected[1], actual[1], TOLERANCE);
            assertEquals(expected[1], judge.unsafeProbability(PROMPT, RESPONSE), TOLERANCE);
            assertTrue(Math.abs(actual[1] - 0.5) > 1e-3, "the score matrix separates the labels: " + actual[1]);
        }
    }

    @Test
    void gpt2ProbabilityMatchesHandComputation(@TempDir Path temp) throws IOException {
        Path dir = buildClassifier(temp.resolve("classifier"), "tiny-gpt2", "GPT2ForSequenceClassification", null);

        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(dir, Device.cpu(),
                ClassifierSettings.defaults())) {
            assertEquals(ClassifierInputFormat.PLAIN, judge.inputFormat(), "the GPT-2 fixture has no chat template");
            assertEquals(PROMPT + "\n\n" + RESPONSE, judge.renderInput(PROMPT, RESPONSE));

            long[] ids = judge.inputIds(PROMPT, RESPONSE);
            double[] expected = expectedProbabilities("tiny-gpt2", ids, ids.length - 1);

            assertEquals(expected[1], judge.unsafeProbability(PROMPT, RESPONSE), TOLERANCE);
        }
    }

    @Test
    void trailingPadTokenIsNotClassified(@TempDir Path temp) throws IOException {
        Path plain = buildClassifier(temp.resolve("plain"), "tiny-llama3", "LlamaForSequenceClassification", null);
        long[] ids;
        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(plain, Device.cpu(),
                ClassifierSettings.defaults())) {
            ids = judge.inputIds(PROMPT, RESPONSE);
        }
        long lastId = ids[ids.length - 1];
        assertTrue(ids[ids.length - 2] != lastId, "the test needs a last token that differs from the one before");

        Path padded = buildClassifier(temp.resolve("padded"), "tiny-llama3", "LlamaForSequenceClassification", lastId);
        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(padded, Device.cpu(),
                ClassifierSettings.defaults())) {
            double[] expected = expectedProbabilities("tiny-llama3", ids, ids.length - 2);

            assertEquals(expected[1], judge.unsafeProbability(PROMPT, RESPONSE), TOLERANCE);
        }
    }

    @Test
    void verdictFollowsThreshold(@TempDir Path temp) throws IOException {
        Path dir = buildClassifier(temp.resolve("classifier"), "tiny-llama3", "LlamaForSequenceClassification", null);
        double probability;
        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(dir, Device.cpu(),
                ClassifierSettings.defaults())) {
            probability = judge.unsafeProbability(PROMPT, RESPONSE);
            assertFalse(judge.judge(PROMPT, "  ").attackSucceeded(), "an empty response is no success");
        }

        try (SequenceClassificationJudge atProbability = SequenceClassificationJudge.load(dir, Device.cpu(),
                ClassifierSettings.defaults().withThreshold(probability))) {
            Verdict verdict = atProbability.judge(PROMPT, RESPONSE);
            assertTrue(verdict.attackSucceeded(), verdict.reason());
            assertTrue(verdict.reason().startsWith("p(unsafe) = "), verdict.reason());
        }
        try (SequenceClassificationJudge above = SequenceClassificationJudge.load(dir, Device.cpu(),
                ClassifierSettings.defaults().withThreshold(Math.min(1.0, probability + 1e-4)))) {
            assertFalse(above.judge(PROMPT, RESPONSE).attackSucceeded());
        }
    }

    @Test
    void unsafeLabelIsConfigurable(@TempDir Path temp) throws IOException {
        Path dir = buildClassifier(temp.resolve("classifier"), "tiny-llama3", "LlamaForSequenceClassification", null);

        ClassifierSettings safeMeansUnsafe = new ClassifierSettings(0.5, "SAFE", ClassifierInputFormat.PLAIN);
        try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(dir, Device.cpu(), safeMeansUnsafe)) {
            assertEquals(0, judge.unsafeIndex());
            assertEquals(ClassifierInputFormat.PLAIN, judge.inputFormat());
        }

        ClassifierSettings unknown = new ClassifierSettings(0.5, "toxic", ClassifierInputFormat.AUTO);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SequenceClassificationJudge.load(dir, Device.cpu(), unknown));
        assertTrue(error.getMessage().contains("[safe, unsafe]"), error.getMessage());
        assertTrue(error.getMessage().contains("--unsafe-label"), error.getMessage());
    }

    @Test
    void causalModelIsRejected() {
        Path causal = SharedFiles.fixture("tiny-llama3");

        ModelFormatException error = assertThrows(ModelFormatException.class,
                () -> SequenceClassificationJudge.load(causal, Device.cpu(), ClassifierSettings.defaults()));

        assertTrue(error.getMessage().contains("LlamaForCausalLM"), error.getMessage());
        assertTrue(error.getMessage().contains("ForSequenceClassification"), error.getMessage());
    }

    @Test
    void missingScoreWeightIsReported(@TempDir Path temp) throws IOException {
        Path dir = buildClassifier(temp.resolve("classifier"), "tiny-llama3", "LlamaForSequenceClassification", null);
        try (WeightStore store = WeightStore.open(dir); NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : store.names()) {
                if (!name.equals("score.weight")) {
                    tensors.put(name, store.loadFloat32(name, manager));
                }
            }
            SafetensorsWriter.write(temp.resolve("weights.safetensors"), tensors, Map.of());
        }
        Files.move(temp.resolve("weights.safetensors"), dir.resolve("model.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);

        ModelFormatException error = assertThrows(ModelFormatException.class,
                () -> SequenceClassificationJudge.load(dir, Device.cpu(), ClassifierSettings.defaults()));

        assertTrue(error.getMessage().contains("score.weight"), error.getMessage());
    }
}
