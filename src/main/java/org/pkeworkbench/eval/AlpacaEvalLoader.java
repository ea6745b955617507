package org.pkeworkbench.eval;

import org.pkeworkbench.model.JsonErrors;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads AlpacaEval files: a JSON array of objects with {@code "instruction"} and optional {@code
 * "output"}, {@code "generator"}, {@code "dataset"} and {@code "id"}. The prompts-only file has no
 * outputs; a {@code model_outputs} file gives one model's output per instruction, which serves as
 * the reference answer. Other keys are ignored. Files must be UTF-8.
 *
 * <p>Text values must be JSON strings or null. An empty {@code "output"} string is kept as it is,
 * because a model that answered with nothing still gave a response (two of text-davinci-003's
 * AlpacaEval outputs are empty); only a missing or null output means "no reference". Other blank
 * values count as absent.
 */
public final class AlpacaEvalLoader {

    private static final Logger LOG = LoggerFactory.getLogger(AlpacaEvalLoader.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AlpacaEvalLoader() {
    }

    /**
     * Loads all records of an AlpacaEval JSON file in file order.
     *
     * @return the records, never empty
     * @throws NoSuchFileException when the file does not exist
     * @throws DatasetFormatException when the content is malformed or contains no records; the
     *     message names the file and line
     * @throws IOException when reading fails
     */
    public static List<ReferencePrompt> load(Path file) throws IOException {
        long startNanos = System.nanoTime();
        String source = file.toString();
        LOG.info("Loading AlpacaEval file {}", source);

        List<ReferencePrompt> records = parse(readUtf8(file), source);

        long withReference = records.stream().filter(ReferencePrompt::hasReference).count();
        LOG.info("Loaded {} AlpacaEval records ({} with a reference output) from {} in {} ms",
                records.size(), withReference, source, (System.nanoTime() - startNanos) / 1_000_000);
        return records;
    }

    /**
     * Parses AlpacaEval JSON that is already in memory.
     *
     * @param source the file name, used in error messages
     * @throws DatasetFormatException when the content is malformed or contains no records
     */
    static List<ReferencePrompt> parse(String text, String source) throws DatasetFormatException {
        if (text.isBlank()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the file is empty", "Add a JSON array of {\"instruction\": ...} objects");
        }
        List<ReferencePrompt> records = new ArrayList<>();
        try (JsonParser parser = MAPPER.createParser(stripByteOrderMark(text))) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new DatasetFormatException(source, parser.currentTokenLocation().getLineNr(),
                        "the JSON document is not an array",
                        "Store AlpacaEval records as a JSON array of objects, as AlpacaEval's own files do");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode node = parser.readValueAsTree();
                records.add(toRecord(node, records.size(), line, source));
            }
            if (parser.nextToken() != null) {
                throw new DatasetFormatException(source, parser.currentTokenLocation().getLineNr(),
                        "unexpected content after the closing ']' of the array",
                        "Remove everything after the array");
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : DatasetFormatException.NO_LINE;
            throw new DatasetFormatException(source, line, "invalid JSON: " + JsonErrors.describe(e),
                    "Fix the JSON syntax at this line", e);
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            // Jackson declares IOException even for a String source.
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "reading the JSON failed: " + e.getMessage(), "Check the file", e);
        }
        if (records.isEmpty()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the array contains no records", "Add at least one {\"instruction\": ...} object");
        }
        return records;
    }

    private static ReferencePrompt toRecord(JsonNode node, int index, int line, String source)
            throws DatasetFormatException {
        if (!node.isObject()) {
            throw new DatasetFormatException(source, line,
                    "record " + index + " is a JSON " + typeName(node) + ", not an object",
                    "Write each record as an object such as {\"instruction\": \"...\", \"output\": \"...\"}");
        }
        String instruction = text(node, "instruction", index, line, source);
        if (instruction == null) {
            throw new DatasetFormatException(source, line,
                    "record " + index + " has no \"instruction\"",
                    "Give each record a non-empty \"instruction\" string");
        }
        return new ReferencePrompt(
                readId(node, index, line, source),
                instruction,
                output(node, index, line, source),
                text(node, "generator", index, line, source),
                text(node, "dataset", index, line, source));
    }

    private static String readId(JsonNode node, int index, int line, String source) throws DatasetFormatException {
        JsonNode id = node.get("id");
        if (id == null || id.isNull()) {
            return Integer.toString(index);
        }
        if (!id.isTextual() && !id.isIntegralNumber()) {
            throw new DatasetFormatException(source, line,
                    "record " + index + " has an \"id\" that is a JSON " + typeName(id),
                    "Use a string or an integer as the id, or leave it out");
        }
        String value = id.asText().strip();
        return value.isEmpty() ? Integer.toString(index) : value;
    }

    private static String text(JsonNode node, String key, int index, int line, String source)
            throws DatasetFormatException {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new DatasetFormatException(source, line,
                    "record " + index + " has \"" + key + "\" as a JSON " + typeName(value) + ", not a string",
                    "Store \"" + key + "\" as a JSON string or null");
        }
        String text = value.textValue();
        return text.isBlank() ? null : text;
    }

    /** Returns the output exactly as stored, blank or not, or null when the key is missing or null. */
    private static String output(JsonNode node, int index, int line, String source) throws DatasetFormatException {
        JsonNode value = node.get("output");
        if (value != null && value.isTextual()) {
            return value.textValue();
        }
        // Missing or null gives null; any other JSON type raises the usual error.
        return text(node, "output", index, line, source);
    }

    private static String typeName(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String stripByteOrderMark(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static String readUtf8(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory. Give the path of an AlpacaEval .json file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "AlpacaEval file not found. Check the path");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file.toString(), DatasetFormatException.NO_LINE,
                    "the file is not valid UTF-8 text", "Save the file with UTF-8 encoding", e);
        }
    }
}
