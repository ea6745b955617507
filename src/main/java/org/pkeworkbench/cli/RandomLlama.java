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
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.model.io.ShutdownDeletion;
import org.pkeworkbench.model.io.StoredDType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama model with random weights for benchmarks: {@code config.json} and the weights in
 * float32, float16 or bfloat16, with no tokenizer (benchmarks feed token ids). The same sizes,
 * seed and stored type always give the same bytes.
 *
 * <p>Weights of at most 1 GiB go into one {@code model.safetensors}.
 * Larger models are written like published checkpoints: one shard for the embedding, one per
 * layer and one for the final norm and output head, listed in {@code model.safetensors.index.json}.
 * Only one shard's arrays are in memory at a time, so a 7B-size model can be written on a machine
 * with less memory than its float32 weights.
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
    /** The message when Ctrl-C or SIGTERM stops the writing between two groups of tensors. */
    private static final String WRITE_STOPPED = "Writing the random Llama stopped";

    /** Throws an {@link IllegalArgumentException} naming {@code option} when {@code value} is below {@code min}. */
    static void requireAtLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(OptionValues.belowMinimum(option, value, min));
        }
    }
    private static final float MATRIX_HALF_WIDTH = 0.035f;
    private static final float NORM_HALF_WIDTH = 0.05f;
    /**
     * Most elements of one weight matrix: the JDK's soft limit for array lengths
     * ({@code ArraysSupport.SOFT_MAX_ARRAY_LENGTH}), which its own collections stay within.
     */
    static final long MAX_MATRIX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final double GIB = 1024.0 * 1024 * 1024;
    /** Context length of every random model, in tokens. */
    static final int MAX_POSITIONS = 4096;
    /** Largest weight size, in stored bytes, that is written as one file. */
    static final long SINGLE_FILE_BYTES = 1L << 30;

    RandomLlama {
        requireAtLeast("--vocab", vocab, 8);
        requireAtLeast("--hidden", hidden, 2);
        requireAtLeast("--intermediate", intermediate, 1);
        requireAtLeast("--layers", layers, 1);
        requireAtLeast("--heads", heads, 1);
        requireAtLeast("--kv-heads", kvHeads, 1);
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new IllegalArgumentException("--hidden " + hidden + " must be divisible by --heads " + heads
                    + " into an even head size, because rotary embeddings rotate pairs of dimensions");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("--heads " + heads + " must be divisible by --kv-heads " + kvHeads);
        }
        requireOneArray("--vocab", vocab, hidden);
        requireOneArray("--intermediate", intermediate, hidden);
        requireOneArray("--hidden", hidden, hidden);
    }

    /**
     * Rejects a {@code [rows, hidden]} weight matrix with more elements than one Java array can
     * take, because each matrix is drawn into one float array before it is written.
     */
    private static void requireOneArray(String option, long rows, long hidden) {
        long elements = rows * hidden;
        if (elements > MAX_MATRIX_ELEMENTS) {
            String factors = option.equals("--hidden") ? "--hidden " + hidden + " squared" : option + " " + rows
                    + " times --hidden " + hidden;
            throw new IllegalArgumentException(factors + " gives a weight matrix of " + elements + " elements, more "
                    + "than the " + MAX_MATRIX_ELEMENTS + " that one Java array can take; use smaller sizes");
        }
    }

    /** Writes the model in float32, like {@link #write(Path, StoredDType)}. */
    void write(Path outputDir) throws IOException {
        write(outputDir, StoredDType.F32);
    }

    /**
     * Writes the model into {@code outputDir}, which must not exist, through a hidden sibling
     * directory that is renamed at the end.
     *
     * @param stored the element type of the written weights: F32, F16 or BF16
     */
    void write(Path outputDir, StoredDType stored) throws IOException {
        write(outputDir, stored, SINGLE_FILE_BYTES);
    }

    /** Writes like {@link #write(Path, StoredDType)}, in shards when the weights exceed {@code singleFileBytes}. */
    void write(Path outputDir, StoredDType stored, long singleFileBytes) throws IOException {
        if (stored != StoredDType.F32 && stored != StoredDType.F16 && stored != StoredDType.BF16) {
            throw new IllegalArgumentException("Random weights are written as F32, F16 or BF16, not " + stored);
        }
        if (Files.exists(outputDir)) {
            throw new IllegalArgumentException("Output directory " + outputDir + " already exists; "
                    + "remove it or choose another --out");
        }
        long started = System.nanoTime();
        Path target = outputDir.toAbsolutePath();
        checkRoom(target, stored);
        Path staging = target.resolveSibling("." + target.getFileName() + ".staging");
        if (Files.exists(staging)) {
            throw new IOException("Staging directory " + staging + " already exists; remove it and retry");
        }
        Files.createDirectories(staging);

        // A failed or interrupted write removes the staging directory, which can take gigabytes.
        try (ShutdownDeletion guard = ShutdownDeletion.of(staging)) {
            long storedBytes = parameterCount() * stored.sizeBytes();
            if (storedBytes <= singleFileBytes) {
                guard.write(() -> writeSingleFile(staging, stored));
            } else {
                writeShards(staging, stored, storedBytes, guard);
            }
            guard.write(() -> {
                JsonOutput.write(staging.resolve("config.json"), config(stored));
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            });
        } catch (IOException | RuntimeException e) {
            DirectoryTrees.delete(staging);
            throw e;
        }
        LOG.info("Wrote random Llama ({} parameters, {}, seed {}) to {} in {} ms", parameterCount(), stored, seed,
                target, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Rejects a model whose largest matrix does not fit the Java heap that is free now, or whose
     * weights do not fit the free space of the disk that {@code target} would be on, before
     * anything is written.
     */
    private void checkRoom(Path target, StoredDType stored) throws IOException {
        Runtime runtime = Runtime.getRuntime();
        long freeHeap = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        long matrixBytes = (long) Float.BYTES * Math.max(vocab, Math.max(intermediate, hidden)) * hidden;
        if (matrixBytes > freeHeap) {
            throw new IllegalArgumentException("The largest random weight matrix takes " + size(matrixBytes)
                    + " as floats, more than the " + size(freeHeap) + " that the Java heap has free; start Java with "
                    + "a larger -Xmx, such as -Xmx" + (long) Math.ceil(2 * matrixBytes / GIB) + "g, or use smaller "
                    + "sizes");
        }

        Path existing = target.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        long weightBytes = parameterCount() * stored.sizeBytes();
        long freeDisk = Files.getFileStore(existing).getUsableSpace();
        if (weightBytes > freeDisk) {
            throw new IllegalArgumentException("The random model takes " + size(weightBytes) + ", but " + existing
                    + " has only " + size(freeDisk) + " free; free some space or choose an --out on another disk");
        }
    }

    /** Formats a byte count in MiB below 1 GiB, else in GiB with one decimal. */
    private static String size(long bytes) {
        return bytes < GIB ? (bytes >> 20) + " MiB" : String.format(Locale.ROOT, "%.1f GiB", bytes / GIB);
    }

    private void writeSingleFile(Path staging, StoredDType stored) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            SplittableRandom random = new SplittableRandom(seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (int group = 0; group < groupCount(); group++) {
                CommandShutdown.throwIfInterrupted(WRITE_STOPPED);
                tensors.putAll(group(manager, random, group));
            }
            SafetensorsWriter.write(staging.resolve("model.safetensors"), tensors, Map.of("format", "pt"), stored);
        }
    }

    /** Writes one shard per group and the index, drawing the weights in the same order as one file. */
    private void writeShards(Path staging, StoredDType stored, long storedBytes, ShutdownDeletion guard)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        ObjectNode index = JsonOutput.MAPPER.createObjectNode();
        index.putObject("metadata").put("total_size", storedBytes);
        ObjectNode weightMap = index.putObject("weight_map");
        int shards = groupCount();
        for (int group = 0; group < shards; group++) {
            CommandShutdown.throwIfInterrupted(WRITE_STOPPED);
            String file = String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", group + 1, shards);
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                Map<String, NDArray> tensors = group(manager, random, group);
                guard.write(() -> SafetensorsWriter.write(staging.resolve(file), tensors, Map.of("format", "pt"), stored));
                tensors.keySet().forEach(name -> weightMap.put(name, file));
            }
            LOG.info("Wrote random Llama shard {} of {}", group + 1, shards);
        }
        guard.write(() -> JsonOutput.write(staging.resolve("model.safetensors.index.json"), index));
    }

    /**
     * Returns the sizes, seed and stored type, as {@code bench} records them under {@code random_llama}.
     *
     * @param weightsDtype the stored type as {@code --weights-dtype} names it, such as {@code bfloat16}
     */
    Map<String, Object> description(String weightsDtype) {
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("vocab", vocab);
        sizes.put("hidden", hidden);
        sizes.put("intermediate", intermediate);
        sizes.put("layers", layers);
        sizes.put("heads", heads);
        sizes.put("kv_heads", kvHeads);
        sizes.put("seed", seed);
        sizes.put("weights_dtype", weightsDtype);
        return sizes;
    }

    long parameterCount() {
        long head = (long) hidden / heads;
        long perLayer = 2L * hidden + (long) hidden * hidden * 2 + 2L * kvHeads * head * hidden
                + 3L * hidden * intermediate;
        return 2L * vocab * hidden + layers * perLayer + hidden;
    }

    /** Groups of tensors in drawing order: the embedding, each layer, then the final norm and output head. */
    private int groupCount() {
        return layers + 2;
    }

    /**
     * Draws the weights of one group, keyed by their Hugging Face {@code LlamaForCausalLM} names.
     * Groups must be drawn in order from one generator, so that every layout gets the same weights.
     */
    private Map<String, NDArray> group(NDManager manager, SplittableRandom random, int group) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        if (group == 0) {
            tensors.put("model.embed_tokens.weight", matrix(manager, random, vocab, hidden));
            return tensors;
        }
        if (group == layers + 1) {
            tensors.put("model.norm.weight", norm(manager, random));
            tensors.put("lm_head.weight", matrix(manager, random, vocab, hidden));
            return tensors;
        }
        long kvWidth = (long) kvHeads * (hidden / heads);
        String p = "model.layers." + (group - 1) + ".";
        tensors.put(p + "input_layernorm.weight", norm(manager, random));
        tensors.put(p + "self_attn.q_proj.weight", matrix(manager, random, hidden, hidden));
        tensors.put(p + "self_attn.k_proj.weight", matrix(manager, random, kvWidth, hidden));
        tensors.put(p + "self_attn.v_proj.weight", matrix(manager, random, kvWidth, hidden));
        tensors.put(p + "self_attn.o_proj.weight", matrix(manager, random, hidden, hidden));
        tensors.put(p + "post_attention_layernorm.weight", norm(manager, random));
        tensors.put(p + "mlp.gate_proj.weight", matrix(manager, random, intermediate, hidden));
        tensors.put(p + "mlp.up_proj.weight", matrix(manager, random, intermediate, hidden));
        tensors.put(p + "mlp.down_proj.weight", matrix(manager, random, hidden, intermediate));
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

    private ObjectNode config(StoredDType stored) {
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
        config.put("max_position_embeddings", MAX_POSITIONS);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("tie_word_embeddings", false);
        config.put("bos_token_id", 1);
        config.put("eos_token_id", 2);
        config.put("torch_dtype", switch (stored) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        config.put("pke_random_seed", seed);
        return config;
    }
}
