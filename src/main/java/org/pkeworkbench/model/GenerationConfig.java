package org.pkeworkbench.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoding settings of a model's {@code generation_config.json}. Absent fields take the defaults of
 * {@code transformers}' {@code GenerationConfig}: greedy, temperature 1.0, top-p 1.0, top-k 50,
 * {@code max_length} 20, repetition penalty 1.0.
 *
 * @param eosTokenIds the end-of-sequence ids ({@code eos_token_id} is an int or a list); empty when unset
 * @param maxNewTokens tokens to generate after the prompt; when empty, {@code maxLength} bounds prompt plus output
 * @param maxLength the maximum total length in tokens, prompt included
 */
public record GenerationConfig(
        OptionalLong bosTokenId,
        List<Long> eosTokenIds,
        OptionalLong padTokenId,
        boolean doSample,
        double temperature,
        double topP,
        int topK,
        OptionalInt maxNewTokens,
        int maxLength,
        double repetitionPenalty) {

    private static final Logger LOG = LoggerFactory.getLogger(GenerationConfig.class);

    public static final String FILE = "generation_config.json";

    public GenerationConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** The {@code transformers} defaults, used when a model has no {@code generation_config.json}. */
    public static GenerationConfig defaults() {
        return new GenerationConfig(
                OptionalLong.empty(), List.of(), OptionalLong.empty(), false, 1.0, 1.0, 50, OptionalInt.empty(), 20, 1.0);
    }

    /**
     * Reads {@code generation_config.json} from a model directory, or returns {@link #defaults()} when the
     * file does not exist.
     *
     * @throws IOException when the file is not valid JSON or a field has the wrong type; the message names the
     *     file and the field
     */
    public static GenerationConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE);
        if (!Files.exists(file)) {
            LOG.info("No {} in {}; using default generation settings", FILE, modelDir);
            return defaults();
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new IOException(file + ": invalid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object at the top level");
        }

        Fields fields = new Fields(root, file);
        GenerationConfig defaults = defaults();
        return new GenerationConfig(
                fields.optionalLong("bos_token_id"),
                fields.idList("eos_token_id"),
                fields.optionalLong("pad_token_id"),
                fields.bool("do_sample", defaults.doSample()),
                fields.number("temperature", defaults.temperature()),
                fields.number("top_p", defaults.topP()),
                (int) fields.optionalLong("top_k").orElse(defaults.topK()),
                fields.optionalLong("max_new_tokens").stream().mapToInt(Math::toIntExact).findFirst(),
                (int) fields.optionalLong("max_length").orElse(defaults.maxLength()),
                fields.number("repetition_penalty", defaults.repetitionPenalty()));
    }

    /** Typed access to the fields of one file; null or absent fields are empty. */
    private record Fields(JsonNode root, Path file) {

        private JsonNode get(String name) {
            JsonNode node = root.get(name);
            return node == null || node.isNull() ? null : node;
        }

        OptionalLong optionalLong(String name) throws IOException {
            JsonNode node = get(name);
            if (node == null) {
                return OptionalLong.empty();
            }
            if (!node.isIntegralNumber()) {
                throw new IOException(file + ": " + name + " must be an integer, got " + node);
            }
            return OptionalLong.of(node.asLong());
        }

        List<Long> idList(String name) throws IOException {
            JsonNode node = get(name);
            List<Long> ids = new ArrayList<>();
            if (node == null) {
                return ids;
            }
            if (node.isIntegralNumber()) {
                ids.add(node.asLong());
                return ids;
            }
            if (!node.isArray()) {
                throw new IOException(file + ": " + name + " must be an integer or a list of integers, got " + node);
            }
            for (JsonNode item : node) {
                if (!item.isIntegralNumber()) {
                    throw new IOException(file + ": " + name + " must be an integer or a list of integers, got " + node);
                }
                ids.add(item.asLong());
            }
            return ids;
        }

        boolean bool(String name, boolean absent) throws IOException {
            JsonNode node = get(name);
            if (node == null) {
                return absent;
            }
            if (!node.isBoolean()) {
                throw new IOException(file + ": " + name + " must be true or false, got " + node);
            }
            return node.booleanValue();
        }

        double number(String name, double absent) throws IOException {
            JsonNode node = get(name);
            if (node == null) {
                return absent;
            }
            if (!node.isNumber()) {
                throw new IOException(file + ": " + name + " must be a number, got " + node);
            }
            return node.asDouble();
        }
    }
}
