package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama model with random weights for benchmarks: {@code config.json} and one float32
 * {@code model.safetensors}, with no tokenizer (benchmarks feed token ids). The same sizes and seed
 * always give the same bytes.
 *
 * <p>Matrices are uniform in {@code [-0.035, 0.035]} (standard deviation about 0.02, the usual Llama
 * initialiser range) and norm weights are {@code 1 ± 0.05}.
 *
 * @param vocab vocabulary size
 * @param hidden hidden size
 * @param intermediate MLP width
 * @param layers decoder layers
 * @param heads query heads; {@code hidden} must be divisible by it
 * @param kvHeads key/value heads; {@code heads} must be divisible by it
 * @param seed seed of the weight generator
 */
record RandomLlama(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, long seed) {

    private static final Logger LOG = LoggerFactory.getLogger(RandomLlama.class);
    private static final float MATRIX_HALF_WIDTH = 0.035f;
    private static final float NORM_HALF_WIDTH = 0.05f;

    RandomLlama {
        if (vocab < 8 || hidden < 2 || intermediate < 1 || layers < 1 || heads < 1 || kvHeads < 1) {
            throw new IllegalArgumentException("Random Llama sizes must be positive (vocab at least 8), got vocab "
                    + vocab + ", hidden " + hidden + ", intermediate " + intermediate + ", layers " + layers
                    + ", heads " + heads + ", kv heads " + kvHeads);
        }
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new IllegalArgumentException("--hidden " + hidden + " must be divisible by --heads " + heads
                    + " into an even head size, because rotary embeddings rotate pairs of dimensions");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("--heads " + heads + " must be divisible by --kv-heads " + kvHeads);
        }
    }

    /**
     * Writes the model into {@code outputDir}, which must not exist, through a hidden sibling
     * directory that is renamed at the end.
     */
    void write(Path outputDir) throws IOException {
        if (Files.exists(outputDir)) {
            throw new IllegalArgumentException("Output directory " + outputDir + " already exists; "
                    + "remove it or choose another --out");
        }
        long started = System.nanoTime();
        Path target = outputDir.toAbsolutePath();
        Path staging = target.resolveSibling("." + target.getFileName() + ".staging");
        if (Files.exists(staging)) {
            throw new IOException("Staging directory " + staging + " already exists; remove it and retry");
        }
        Files.createDirectories(staging);

        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, NDArray> tensors = tensors(manager);
            org.pkeworkbench.model.io.SafetensorsWriter.write(staging.resolve("model.safetensors"), tensors,
                    Map.of("format", "pt"));
        }
        JsonOutput.write(staging.resolve("config.json"), config());
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("Wrote random Llama ({} parameters, seed {}) to {} in {} ms", parameterCount(), seed, target,
                (System.nanoTime() - started) / 1_000_000);
    }

    long parameterCount() {
        long head = (long) hidden / heads;
        long perLayer = 2L * hidden + (long) hidden * hidden * 2 + 2L * kvHeads * head * hidden
                + 3L * hidden * intermediate;
        return 2L * vocab * hidden + layers * perLayer + hidden;
    }

    /** Draws the weights in a fixed order, keyed by their Hugging Face {@code LlamaForCausalLM} names. */
    private Map<String, NDArray> tensors(NDManager manager) {
        SplittableRandom random = new SplittableRandom(seed);
        long kvWidth = (long) kvHeads * (hidden / heads);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", matrix(manager, random, vocab, hidden));
        for (int layer = 0; layer < layers; layer++) {
            String p = "model.layers." + layer + ".";
            tensors.put(p + "input_layernorm.weight", norm(manager, random));
            tensors.put(p + "self_attn.q_proj.weight", matrix(manager, random, hidden, hidden));
            tensors.put(p + "self_attn.k_proj.weight", matrix(manager, random, kvWidth, hidden));
            tensors.put(p + "self_attn.v_proj.weight", matrix(manager, random, kvWidth, hidden));
            tensors.put(p + "self_attn.o_proj.weight", matrix(manager, random, hidden, hidden));
            tensors.put(p + "post_attention_layernorm.weight", norm(manager, random));
            tensors.put(p + "mlp.gate_proj.weight", matrix(manager, random, intermediate, hidden));
            tensors.put(p + "mlp.up_proj.weight", matrix(manager, random, intermediate, hidden));
            tensors.put(p + "mlp.down_proj.weight", matrix(manager, random, hidden, intermediate));
        }
        tensors.put("model.norm.weight", norm(manager, random));
        tensors.put("lm_head.weight", matrix(manager, random, vocab, hidden));
        return tensors;
    }

    private static NDArray matrix(NDManager manager, SplittableRandom random, long rows, long columns) {
        float[] values = new float[Math.toIntExact(rows * columns)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * MATRIX_HALF_WIDTH);
        }
        return manager.create(values, new Shape(rows, columns));
    }

    private NDArray norm(NDManager manager, SplittableRandom random) {
        float[] values = new float[hidden];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (1 + (random.nextDouble() * 2 - 1) * NORM_HALF_WIDTH);
        }
        return manager.create(values, new Shape(hidden));
    }

    private ObjectNode config() {
        ObjectNode config = JsonOutput.MAPPER.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("vocab_size", vocab);
        config.put("hidden_size", hidden);
        config.put("intermediate_size", intermediate);
        config.put("num_hidden_layers", layers);
        config.put("num_attention_heads", heads);
        config.put("num_key_value_heads", kvHeads);
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", 4096);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("tie_word_embeddings", false);
        config.put("bos_token_id", 1);
        config.put("eos_token_id", 2);
        config.put("torch_dtype", "float32");
        config.put("pke_random_seed", seed);
        return config;
    }
}
