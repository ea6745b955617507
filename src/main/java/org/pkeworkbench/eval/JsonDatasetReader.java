package org.pkeworkbench.eval;

import org.pkeworkbench.model.JsonErrors;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads datasets stored as a JSON array of objects or as JSON Lines (one object per line). Both
 * forms accept the same objects:
 *
 * <ul>
 *   <li>SafeEdit records, recognized by an {@code "adversarial prompt"} key: {@code "safe
 *       generation"}, {@code "unsafe generation"}, {@code "unsafety category"}, {@code
 *       "question"}, {@code "generalization test"} and {@code "knowledge constrain"}.
 *   <li>Plain records: the prompt under {@code "prompt"}, {@code "instruction"} or {@code "goal"},
 *       and optional {@code "safe"}, {@code "unsafe"}, {@code "category"} and {@code "id"}.
 *       AlpacaEval's {@code "output"}, {@code "generator"} and {@code "dataset"} are skipped (see
 *       {@link AlpacaEvalLoader}).
 * </ul>
 *
 * <p>Text values must be JSON strings or null. A blank string counts as absent. Keys that neither
 * form uses are ignored and logged once per file.
 */
final class JsonDatasetReader {

    private static final Logger LOG = LoggerFactory.getLogger(JsonDatasetReader.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final List<String> PROMPT_KEYS = List.of("prompt", "instruction", "goal");
    // AlpacaEvalLoader reads AlpacaEval's "output", "generator" and "dataset". This reader skips them
    // without a warning, so AlpacaEval files also serve as plain prompt sets.
    private static final Set<String> PLAIN_KEYS = Set.of(
            "id", "prompt", "instruction", "goal", "safe", "unsafe", "category", "output", "generator", "dataset");
    private static final Set<String> SAFEEDIT_KEYS = Set.of(
            "id", "adversarial prompt", "safe generation", "unsafe generation", "unsafety category",
            "question", "attack category", "attack name", "generalization test", "knowledge constrain");

    private final String source;
    private final Set<String> ignoredKeys = new TreeSet<>();

    private JsonDatasetReader(String source) {
        this.source = source;
    }

    /**
     * Parses a JSON array of record objects.
     *
     * @param text the file content
     * @param source the file name, used in error messages
     * @throws DatasetFormatException when the JSON is invalid, is not an array of objects, or a
     *     record lacks a prompt or has a value of the wrong type
     */
    static List<EditRecord> readArray(String text, String source) throws DatasetFormatException {
        JsonDatasetReader reader = new JsonDatasetReader(source);
        List<EditRecord> records = new ArrayList<>();
        try (JsonParser parser = MAPPER.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new DatasetFormatException(source, parser.currentTokenLocation().getLineNr(),
                        "the JSON document is not an array",
                        "Store the records as a JSON array of objects, or as JSON Lines in a .jsonl file");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode node = parser.readValueAsTree();
                records.add(reader.toRecord(node, records.size(), line));
            }
            if (parser.nextToken() != null) {
                throw new DatasetFormatException(source, parser.currentTokenLocation().getLineNr(),
                        "unexpected content after the closing ']' of the array",
                        "Remove everything after the array");
            }
        } catch (JsonProcessingException e) {
            throw invalidJson(source, e);
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            // Jackson declares IOException even for a String source, so wrap any such failure with its cause.
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "reading the JSON failed: " + e.getMessage(), "Check the file", e);
        }
        reader.logIgnoredKeys();
        return records;
    }

    /**
     * Parses JSON Lines: one record object per line. Blank lines are skipped.
     *
     * @param text the file content
     * @param source the file name, used in error messages
     * @throws DatasetFormatException naming the line of the first invalid record
     */
    static List<EditRecord> readLines(String text, String source) throws DatasetFormatException {
        JsonDatasetReader reader = new JsonDatasetReader(source);
        List<EditRecord> records = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String content = i == 0 && lines[i].startsWith("\uFEFF") ? lines[i].substring(1) : lines[i];
            if (content.isBlank()) {
                continue;
            }
            int lineNumber = i + 1;
            JsonNode node;
            try {
                node = MAPPER.readTree(content);
            } catch (JsonProcessingException e) {
                throw new DatasetFormatException(source, lineNumber,
                        "invalid JSON: " + JsonErrors.describe(e),
                        "Write each record as one complete JSON object on a single line", e);
            }
            records.add(reader.toRecord(node, records.size(), lineNumber));
        }
        reader.logIgnoredKeys();
        return records;
    }

    private EditRecord toRecord(JsonNode node, int index, int line) throws DatasetFormatException {
        if (!node.isObject()) {
            throw error(index, line, "is a JSON " + typeName(node) + ", not an object",
                    "Write each record as a JSON object such as {\"prompt\": \"...\"}");
        }
        String id = readId(node, index, line);
        if (node.has("adversarial prompt")) {
            return toSafeEditRecord(node, id, index, line);
        }
        return toPlainRecord(node, id, index, line);
    }

    private EditRecord toPlainRecord(JsonNode node, String id, int index, int line)
            throws DatasetFormatException {
        noteIgnoredKeys(node, PLAIN_KEYS);
        String prompt = null;
        for (String key : PROMPT_KEYS) {
            prompt = text(node, key, index, line);
            if (prompt != null) {
                break;
            }
        }
        if (prompt == null) {
            throw error(index, line, "has no prompt (keys: " + fieldNames(node) + ")",
                    "Give each record a non-empty \"prompt\" string (\"instruction\", \"goal\" and"
                            + " SafeEdit's \"adversarial prompt\" are also accepted)");
        }
        return new EditRecord(id, prompt,
                text(node, "safe", index, line),
                text(node, "unsafe", index, line),
                text(node, "category", index, line));
    }

    private EditRecord toSafeEditRecord(JsonNode node, String id, int index, int line)
            throws DatasetFormatException {
        noteIgnoredKeys(node, SAFEEDIT_KEYS);
        String prompt = text(node, "adversarial prompt", index, line);
        if (prompt == null) {
            throw error(index, line, "has an empty \"adversarial prompt\"",
                    "Fill in the adversarial prompt or remove the record");
        }
        return new EditRecord(id, prompt,
                text(node, "safe generation", index, line),
                text(node, "unsafe generation", index, line),
                text(node, "unsafety category", index, line),
                readGeneralization(node, index, line),
                readKnowledgeConstraint(node, index, line));
    }

    private Generalization readGeneralization(JsonNode node, int index, int line)
            throws DatasetFormatException {
        String question = text(node, "question", index, line);
        JsonNode test = object(node, "generalization test", index, line);
        if (test == null) {
            return question == null ? null : new Generalization(question, null, null, null, null, null);
        }
        String onlyQuestion = text(test, "test input of only harmful question", index, line);
        return new Generalization(
                onlyQuestion != null ? onlyQuestion : question,
                text(test, "test input of other attack prompt input", index, line),
                text(test, "test input of other question input", index, line),
                text(test, "test input of other questions and attack prompts", index, line),
                text(test, "attack_category", index, line),
                text(test, "attack_name", index, line));
    }

    private LocalityRecord readKnowledgeConstraint(JsonNode node, int index, int line)
            throws DatasetFormatException {
        JsonNode constraint = object(node, "knowledge constrain", index, line);
        if (constraint == null) {
            return null;
        }
        String prompt = text(constraint, "prompt", index, line);
        if (prompt == null) {
            return null;
        }
        return new LocalityRecord(prompt, text(constraint, "answer", index, line));
    }

    private String readId(JsonNode node, int index, int line) throws DatasetFormatException {
        JsonNode id = node.get("id");
        if (id == null || id.isNull()) {
            return Integer.toString(index);
        }
        if (id.isTextual() || id.isIntegralNumber()) {
            String value = id.asText().strip();
            return value.isEmpty() ? Integer.toString(index) : value;
        }
        throw error(index, line, "has an \"id\" that is a JSON " + typeName(id),
                "Use a string or an integer as the id, or leave it out");
    }

    private String text(JsonNode node, String key, int index, int line) throws DatasetFormatException {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw error(index, line,
                    "has \"" + key + "\" as a JSON " + typeName(value) + ", not a string",
                    "Store \"" + key + "\" as a JSON string or null");
        }
        String text = value.textValue();
        return text.isBlank() ? null : text;
    }

    private JsonNode object(JsonNode node, String key, int index, int line) throws DatasetFormatException {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw error(index, line,
                    "has \"" + key + "\" as a JSON " + typeName(value) + ", not an object",
                    "Store \"" + key + "\" as a JSON object, as SafeEdit does, or remove it");
        }
        return value;
    }

    private DatasetFormatException error(int index, int line, String problem, String fix) {
        return new DatasetFormatException(source, line, "record " + index + " " + problem, fix);
    }

    private void noteIgnoredKeys(JsonNode node, Set<String> knownKeys) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!knownKeys.contains(name)) {
                ignoredKeys.add(name);
            }
        }
    }

    private void logIgnoredKeys() {
        if (!ignoredKeys.isEmpty()) {
            LOG.warn("{}: ignored keys that no supported record format uses: {}", source, ignoredKeys);
        }
    }

    private static String typeName(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static DatasetFormatException invalidJson(String source, JsonProcessingException e) {
        int line = e.getLocation() != null ? e.getLocation().getLineNr() : DatasetFormatException.NO_LINE;
        return new DatasetFormatException(source, line, "invalid JSON: " + JsonErrors.describe(e),
                "Fix the JSON syntax at this line (a validator such as 'python -m json.tool' shows the"
                        + " exact spot)", e);
    }
}
