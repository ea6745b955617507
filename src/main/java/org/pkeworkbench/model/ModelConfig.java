package org.pkeworkbench.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pkeworkbench.model.io.ModelFormatException;

/**
 * The architecture hyperparameters of a Hugging Face {@code config.json}, normalised across
 * families (GPT-2's {@code n_embd} becomes {@link #hiddenSize()} and so on).
 *
 * <p>Example: {@code ModelConfig config = ModelConfig.load(Path.of("models/llama"));}
 *
 * <p>{@code slidingWindow} is the attention window in tokens (a query sees itself and the
 * {@code slidingWindow - 1} positions before it), or 0 for full causal attention.
 */
public record ModelConfig(
        Architecture architecture,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKeyValueHeads,
        int headDim,
        double normEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean attentionBias,
        boolean tieWordEmbeddings,
        int maxPositions,
        String hiddenAct,
        List<Integer> bosTokenIds,
        List<Integer> eosTokenIds,
        String torchDtype,
        int slidingWindow) {

    /** The {@code model_type} values of the Llama family that share one implementation. */
    private static final List<String> LLAMA_TYPES = List.of("llama", "mistral", "qwen2");

    /** Reads and validates {@code config.json} in {@code modelDir}. */
    public static ModelConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        if (!Files.exists(modelDir)) {
            throw new ModelFormatException(modelDir, "the model directory does not exist",
                    "Check the path, or choose the folder that holds config.json and the safetensors files");
        }
        if (!Files.isDirectory(modelDir)) {
            throw new ModelFormatException(modelDir, "is a file, not a model directory",
                    "Choose the folder that holds config.json and the safetensors files");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "config.json is missing",
                    "Choose the Hugging Face model folder itself, which holds config.json", e);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, "config.json is not valid JSON (" + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ")", "Fix or replace the file", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file, "config.json must contain a JSON object", "Fix or replace the file");
        }
        return fromJson(file, root);
    }

    static ModelConfig fromJson(Path file, JsonNode root) throws ModelFormatException {
        String modelType = text(root, "model_type", "").toLowerCase(Locale.ROOT);
        if (modelType.equals("gpt2")) {
            return gpt2(file, root);
        }
        if (LLAMA_TYPES.contains(modelType)) {
            return llama(file, root, modelType);
        }
        throw new ModelFormatException(file, "unsupported model_type '" + modelType + "' (architectures "
                + root.path("architectures") + ")", "Supported model types are llama, mistral, qwen2 and gpt2");
    }

    private static ModelConfig llama(Path file, JsonNode root, String modelType) throws ModelFormatException {
        int hidden = requiredInt(file, root, "hidden_size");
        int heads = requiredInt(file, root, "num_attention_heads");
        int kvHeads = optionalInt(root, "num_key_value_heads", heads);
        int headDim = optionalInt(root, "head_dim", heads > 0 ? hidden / heads : 0);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new ModelFormatException(file, "num_attention_heads (" + heads + ") must be a positive multiple of "
                    + "num_key_value_heads (" + kvHeads + ")", "Check config.json");
        }
        // Qwen2 always has q/k/v biases; Llama and Mistral have them only when attention_bias says so.
        boolean attentionBias = modelType.equals("qwen2") || root.path("attention_bias").asBoolean(false);
        return new ModelConfig(
                Architecture.LLAMA,
                modelType,
                requiredInt(file, root, "vocab_size"),
                hidden,
                requiredInt(file, root, "intermediate_size"),
                requiredInt(file, root, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                root.path("rms_norm_eps").asDouble(1e-6),
                root.path("rope_theta").asDouble(10000.0),
                ropeScaling(file, root.path("rope_scaling")),
                attentionBias,
                root.path("tie_word_embeddings").asBoolean(false),
                optionalInt(root, "max_position_embeddings", 2048),
                text(root, "hidden_act", "silu"),
                ids(root.path("bos_token_id")),
                ids(root.path("eos_token_id")),
                text(root, "torch_dtype", "float32"),
                slidingWindow(root, modelType));
    }

    /**
     * The attention window in tokens, 0 for none. Mistral attends to at most {@code sliding_window}
     * earlier positions whenever it is set; Qwen2 only when {@code use_sliding_window} is true;
     * Llama never.
     */
    private static int slidingWindow(JsonNode root, String modelType) {
        JsonNode window = root.path("sliding_window");
        if (!window.canConvertToInt() || window.asInt() <= 0) {
            return 0;
        }
        boolean used = modelType.equals("mistral")
                || (modelType.equals("qwen2") && root.path("use_sliding_window").asBoolean(false));
        return used ? window.asInt() : 0;
    }

    private static ModelConfig gpt2(Path file, JsonNode root) throws ModelFormatException {
        int hidden = requiredInt(file, root, "n_embd");
        int heads = requiredInt(file, root, "n_head");
        JsonNode inner = root.path("n_inner");
        int intermediate = inner.isNumber() ? inner.asInt() : 4 * hidden;
        return new ModelConfig(
                Architecture.GPT2,
                "gpt2",
                requiredInt(file, root, "vocab_size"),
                hidden,
                intermediate,
                requiredInt(file, root, "n_layer"),
                heads,
                heads,
                hidden / heads,
                root.path("layer_norm_epsilon").asDouble(1e-5),
                0.0,
                RopeScaling.NONE,
                true,
                root.path("tie_word_embeddings").asBoolean(true),
                optionalInt(root, "n_positions", 1024),
                text(root, "activation_function", "gelu_new"),
                ids(root.path("bos_token_id")),
                ids(root.path("eos_token_id")),
                text(root, "torch_dtype", "float32"),
                0);
    }

    private static RopeScaling ropeScaling(Path file, JsonNode node) throws ModelFormatException {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return RopeScaling.NONE;
        }
        String type = node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("default");
        switch (type) {
            case "default":
                return RopeScaling.NONE;
            case "linear":
                return new RopeScaling("linear", node.path("factor").asDouble(1.0), 1.0, 1.0, 0);
            case "llama3":
                return new RopeScaling("llama3",
                        node.path("factor").asDouble(8.0),
                        node.path("low_freq_factor").asDouble(1.0),
                        node.path("high_freq_factor").asDouble(4.0),
                        node.path("original_max_position_embeddings").asInt(8192));
            default:
                throw new ModelFormatException(file, "unsupported rope_scaling type '" + type + "'",
                        "Supported rope_scaling types are linear and llama3");
        }
    }

    private static int requiredInt(Path file, JsonNode root, String key) throws ModelFormatException {
        JsonNode node = root.get(key);
        if (node == null || !node.canConvertToInt() || node.asInt() <= 0) {
            throw new ModelFormatException(file, "field '" + key + "' is missing or not a positive integer (found "
                    + node + ")", "Check config.json");
        }
        return node.asInt();
    }

    private static int optionalInt(JsonNode root, String key, int fallback) {
        JsonNode node = root.get(key);
        return node != null && node.canConvertToInt() ? node.asInt() : fallback;
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode node = root.get(key);
        return node != null && node.isTextual() ? node.asText() : fallback;
    }

    /** Reads a token id that config files give either as one integer or as a list. */
    static List<Integer> ids(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node.isInt()) {
            out.add(node.asInt());
        } else if (node.isArray()) {
            node.forEach(n -> out.add(n.asInt()));
        }
        return List.copyOf(out);
    }

    /** Number of query heads that share one key/value head. */
    public int queriesPerKeyValue() {
        return numHeads / numKeyValueHeads;
    }
}
