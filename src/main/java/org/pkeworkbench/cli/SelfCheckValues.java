package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.Generator;
import org.pkeworkbench.model.LanguageModel;

/**
 * Values the self-check measures on the demo model: the prompt's token ids, a summary of the
 * logits of one forward pass over them, and a short greedy generation. The copy shipped in the jar
 * ({@link #RESOURCE}) was measured with this code on the CPU build of libtorch 2.7.1.
 *
 * @param modelSha256 SHA-256 of the demo model's {@code model.safetensors}, in hex
 * @param prompt user message, rendered with the demo model's chat template
 * @param promptIds token ids of the rendered prompt, BOS included
 * @param logitsShape shape of the forward pass's logits, {@code [1, seq, vocab]}
 * @param lastTopIds the five most likely next-token ids at the last prompt position, most likely first
 * @param lastTopLogits the logits of {@link #lastTopIds}
 * @param logitsMean mean of all logits
 * @param logitsL2Norm L2 norm of all logits
 * @param maxNewTokens length limit of the greedy generation, in tokens
 * @param generatedIds the greedily generated token ids, stop token excluded
 * @param generatedText {@link #generatedIds} decoded with special tokens skipped
 */
record SelfCheckValues(
        @JsonProperty("model_sha256") String modelSha256,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("prompt_ids") long[] promptIds,
        @JsonProperty("logits_shape") long[] logitsShape,
        @JsonProperty("last_top_ids") long[] lastTopIds,
        @JsonProperty("last_top_logits") float[] lastTopLogits,
        @JsonProperty("logits_mean") double logitsMean,
        @JsonProperty("logits_l2_norm") double logitsL2Norm,
        @JsonProperty("max_new_tokens") int maxNewTokens,
        @JsonProperty("generated_ids") long[] generatedIds,
        @JsonProperty("generated_text") String generatedText) {

    /** Class-path location of the expected values shipped in the jar. */
    static final String RESOURCE = "/org/pkeworkbench/cli/self-check-expected.json";

    /**
     * Largest accepted absolute difference of a logit, for logits of about 10 to 15. The values did
     * not change between 1 and 2 libtorch threads; other CPUs and kernels may move them by rounding.
     */
    static final double LOGIT_TOLERANCE = 1e-3;

    /** Largest accepted relative difference of the logits' mean and L2 norm. */
    static final double SUMMARY_TOLERANCE = 1e-4;

    private static final int TOP_K = 5;

    /** Reads the expected values shipped in the jar. */
    static SelfCheckValues shipped() throws IOException {
        try (InputStream in = SelfCheckValues.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("The self-check's expected values " + RESOURCE + " are missing from the jar; "
                        + "rebuild it with 'mvn package'");
            }
            return JsonOutput.MAPPER.readValue(in, SelfCheckValues.class);
        }
    }

    /** Reads expected values from a JSON file written by {@code self-check --write-expected}. */
    static SelfCheckValues read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("Expected-values file " + file + " not found");
        }
        SelfCheckValues values = JsonOutput.MAPPER.readValue(file.toFile(), SelfCheckValues.class);
        List<String> missing = values.missingKeys();
        if (!missing.isEmpty()) {
            throw new IOException("it lacks " + String.join(", ", missing));
        }
        return values;
    }

    /** Returns the JSON keys that a check needs and these values lack, such as {@code prompt_ids}. */
    List<String> missingKeys() {
        List<String> missing = new ArrayList<>();
        Map<String, Object> needed = new LinkedHashMap<>();
        needed.put("model_sha256", modelSha256);
        needed.put("prompt", prompt);
        needed.put("prompt_ids", promptIds);
        needed.put("logits_shape", logitsShape);
        needed.put("last_top_ids", lastTopIds);
        needed.put("last_top_logits", lastTopLogits);
        needed.put("generated_ids", generatedIds);
        needed.put("generated_text", generatedText);
        needed.forEach((key, value) -> {
            if (value == null) {
                missing.add(key);
            }
        });
        if (maxNewTokens <= 0) {
            missing.add("max_new_tokens (a positive count)");
        }
        return missing;
    }

    /**
     * Measures the values on a loaded model: one forward pass over the chat-rendered prompt and a
     * greedy generation of at most {@code maxNewTokens} tokens.
     */
    static SelfCheckValues measure(LanguageModel lm, Path modelDir, String prompt, int maxNewTokens)
            throws IOException {
        String sha256 = sha256(modelDir.resolve("model.safetensors"));
        long[] promptIds = lm.promptIds(prompt, true);

        long[] shape;
        float[] logits;
        float[] last;
        try (NDManager scope = lm.decoder().manager().newSubManager()) {
            NDArray ids = scope.create(promptIds).reshape(1, promptIds.length);
            NDArray all = lm.decoder().forward(scope, ids, ForwardOptions.create()).logits();
            shape = all.getShape().getShape();
            logits = all.toFloatArray();
            last = all.get(0).get(promptIds.length - 1).toFloatArray();
        }
        long[] topIds = topIds(last);
        float[] topLogits = new float[topIds.length];
        for (int i = 0; i < topIds.length; i++) {
            topLogits[i] = last[(int) topIds[i]];
        }

        long[] generated = new Generator(lm.decoder()).generate(promptIds, lm.greedy(maxNewTokens));
        String text = lm.tokenizer().decode(generated, true);
        return new SelfCheckValues(sha256, prompt, promptIds, shape, topIds, topLogits, mean(logits), l2Norm(logits),
                maxNewTokens, generated, text);
    }

    /**
     * Lists how {@code actual} differs from these expected values, one readable sentence per
     * difference; empty when they agree within the tolerances.
     */
    List<String> differences(SelfCheckValues actual) {
        List<String> problems = new ArrayList<>();
        if (!modelSha256.equals(actual.modelSha256)) {
            problems.add("demo model: model.safetensors has SHA-256 " + actual.modelSha256 + ", but the expected values "
                    + "were measured on " + modelSha256 + "; after remaking the demo model, measure them again with "
                    + "'self-check --write-expected FILE'");
            return problems;
        }
        if (!Arrays.equals(promptIds, actual.promptIds)) {
            problems.add("tokenizer: prompt ids " + Arrays.toString(actual.promptIds) + ", expected "
                    + Arrays.toString(promptIds));
            // Later values depend on the ids, so their differences would only repeat this one.
            return problems;
        }
        if (!Arrays.equals(logitsShape, actual.logitsShape)) {
            problems.add("forward: logits shape " + Arrays.toString(actual.logitsShape) + ", expected "
                    + Arrays.toString(logitsShape));
            return problems;
        }
        if (!Arrays.equals(lastTopIds, actual.lastTopIds)) {
            problems.add("forward: top next-token ids " + Arrays.toString(actual.lastTopIds) + ", expected "
                    + Arrays.toString(lastTopIds));
        }
        double logitDifference = maxLogitDifference(actual);
        if (!(logitDifference <= LOGIT_TOLERANCE)) {
            problems.add("forward: top logits " + Arrays.toString(actual.lastTopLogits) + " differ from the expected "
                    + Arrays.toString(lastTopLogits) + " by up to " + logitDifference + " (tolerance "
                    + LOGIT_TOLERANCE + ")");
        }
        checkSummary(problems, "mean", logitsMean, actual.logitsMean);
        checkSummary(problems, "L2 norm", logitsL2Norm, actual.logitsL2Norm);
        if (!Arrays.equals(generatedIds, actual.generatedIds)) {
            problems.add("generation: ids " + Arrays.toString(actual.generatedIds) + " (\"" + actual.generatedText
                    + "\"), expected " + Arrays.toString(generatedIds) + " (\"" + generatedText + "\")");
        }
        return problems;
    }

    /** Largest absolute difference between the expected and actual top logits; NaN when one is NaN. */
    double maxLogitDifference(SelfCheckValues actual) {
        if (lastTopLogits.length != actual.lastTopLogits.length) {
            return Double.POSITIVE_INFINITY;
        }
        return maxDifference(lastTopLogits, actual.lastTopLogits);
    }

    /** Returns the largest absolute difference of two equally long arrays; NaN when one contains NaN. */
    static double maxDifference(float[] expected, float[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            double difference = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(difference)) {
                return Double.NaN;
            }
            max = Math.max(max, difference);
        }
        return max;
    }

    private static void checkSummary(List<String> problems, String name, double expected, double actual) {
        double relative = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
        if (!(relative <= SUMMARY_TOLERANCE)) {
            problems.add("forward: logits " + name + " " + actual + ", expected " + expected + " (relative difference "
                    + relative + ", tolerance " + SUMMARY_TOLERANCE + ")");
        }
    }

    private static long[] topIds(float[] values) {
        return IntStream.range(0, values.length).boxed()
                .sorted((a, b) -> Float.compare(values[b], values[a]))
                .limit(TOP_K)
                .mapToLong(Integer::longValue)
                .toArray();
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += value;
        }
        return sum / values.length;
    }

    private static double l2Norm(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += (double) value * value;
        }
        return Math.sqrt(sum);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This Java runtime has no SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
