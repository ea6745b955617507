package org.pkeworkbench.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The settings of {@code tokenizer_config.json} that the workbench uses.
 *
 * @param specialTokens the special-token strings by their config key ({@code bos_token}, {@code eos_token},
 *     {@code pad_token}, {@code unk_token}, ...), which chat templates receive as variables; keys whose
 *     value is null are left out
 * @param addBosToken the {@code add_bos_token} flag, empty when the file does not set it
 * @param chatTemplates chat template sources by name; a single template is named {@code default}
 * @param modelMaxLength {@code model_max_length}, empty when absent or a "no limit" placeholder
 * @param cleanUpTokenizationSpaces whether decoding removes the space before punctuation
 *     ({@code clean_up_tokenization_spaces}, false when absent)
 */
public record TokenizerSettings(
        Map<String, String> specialTokens,
        Optional<Boolean> addBosToken,
        Map<String, String> chatTemplates,
        OptionalLong modelMaxLength,
        boolean cleanUpTokenizationSpaces) {

    public static final String CONFIG_FILE = "tokenizer_config.json";

    /** A separate template file that newer {@code transformers} versions write instead of the config key. */
    public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

    /** The special-token keys of {@code transformers}' {@code SPECIAL_TOKENS_ATTRIBUTES} (single tokens). */
    private static final Set<String> STANDARD_SPECIAL_TOKENS =
            Set.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    /** Values at or above this are the "no limit" placeholder (about 1e30) of {@code transformers}. */
    private static final double NO_LIMIT = 1e18;

    public TokenizerSettings {
        specialTokens = Map.copyOf(specialTokens);
        chatTemplates = Map.copyOf(chatTemplates);
    }

    public Optional<String> bosToken() {
        return Optional.ofNullable(specialTokens.get("bos_token"));
    }

    public Optional<String> eosToken() {
        return Optional.ofNullable(specialTokens.get("eos_token"));
    }

    public Optional<String> padToken() {
        return Optional.ofNullable(specialTokens.get("pad_token"));
    }

    public Optional<String> unkToken() {
        return Optional.ofNullable(specialTokens.get("unk_token"));
    }

    /**
     * Reads {@code tokenizer_config.json} from a model directory, and {@code chat_template.jinja} when the
     * config has no {@code chat_template}.
     *
     * @throws TokenizerFileException when the config file is missing, is not a JSON object, or has a field of
     *     the wrong type
     */
    public static TokenizerSettings load(Path modelDir) throws IOException {
        Path file = modelDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file not found; a Hugging Face model directory needs "
                    + CONFIG_FILE + " next to tokenizer.json");
        }
        JsonNode root = readJsonObject(file);

        Map<String, String> specialTokens = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().endsWith("_token")) {
                tokenContent(field.getValue(), field.getKey(), file).ifPresent(token -> specialTokens.put(field.getKey(), token));
            }
        }

        Optional<Boolean> addBos = Optional.empty();
        JsonNode addBosNode = root.get("add_bos_token");
        if (addBosNode != null && !addBosNode.isNull()) {
            if (!addBosNode.isBoolean()) {
                throw new TokenizerFileException(file, "add_bos_token must be true or false, got " + addBosNode);
            }
            addBos = Optional.of(addBosNode.booleanValue());
        }

        Map<String, String> templates = chatTemplates(root.get("chat_template"), file);
        Path templateFile = modelDir.resolve(CHAT_TEMPLATE_FILE);
        if (templates.isEmpty() && Files.isRegularFile(templateFile)) {
            templates = Map.of("default", Files.readString(templateFile));
        }

        OptionalLong maxLength = OptionalLong.empty();
        JsonNode maxLengthNode = root.get("model_max_length");
        if (maxLengthNode != null && !maxLengthNode.isNull()) {
            if (!maxLengthNode.isNumber()) {
                throw new TokenizerFileException(file, "model_max_length must be a number, got " + maxLengthNode);
            }
            if (maxLengthNode.asDouble() < NO_LIMIT) {
                maxLength = OptionalLong.of(maxLengthNode.asLong());
            }
        }

        JsonNode cleanUp = root.get("clean_up_tokenization_spaces");
        boolean cleanUpSpaces = cleanUp != null && cleanUp.isBoolean() && cleanUp.booleanValue();
        return new TokenizerSettings(specialTokens, addBos, templates, maxLength, cleanUpSpaces);
    }

    static JsonNode readJsonObject(Path file) throws TokenizerFileException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new TokenizerFileException(file, "invalid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read file: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerFileException(file, "expected a JSON object at the top level");
        }
        return root;
    }

    /** A special token is written either as a string or as an object {@code {"content": "..."}}. */
    private static Optional<String> tokenContent(JsonNode value, String key, Path file) throws TokenizerFileException {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return Optional.of(value.asText());
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return Optional.of(value.get("content").asText());
        }
        if (!STANDARD_SPECIAL_TOKENS.contains(key)) {
            // Other keys ending in "_token" (such as "add_bos_token") are flags, not tokens.
            return Optional.empty();
        }
        throw new TokenizerFileException(file, key + " must be a string or an object with \"content\", got " + value);
    }

    private static Map<String, String> chatTemplates(JsonNode node, Path file) throws TokenizerFileException {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (node.isTextual()) {
            return Map.of("default", node.asText());
        }
        if (!node.isArray()) {
            throw new TokenizerFileException(file,
                    "chat_template must be a string or a list of {\"name\": ..., \"template\": ...}, got " + node.getNodeType());
        }
        Map<String, String> templates = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode entry = node.get(i);
            if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
                throw new TokenizerFileException(file,
                        "chat_template entry " + i + " must have string fields \"name\" and \"template\"");
            }
            templates.put(entry.get("name").asText(), entry.get("template").asText());
        }
        return templates;
    }
}
