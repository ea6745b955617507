package org.pkeworkbench.eval;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads edit records and benign prompts from dataset files. The format follows the file name:
 *
 * <ul>
 *   <li>{@code .csv}: a table with a header row, such as AdvBench, HarmBench, JailbreakBench and
 *       StrongREJECT (see {@link CsvDatasetReader} for the column names).
 *   <li>{@code .jsonl} or {@code .ndjson}: JSON Lines, one object such as {@code {"prompt": ...,
 *       "safe": ..., "unsafe": ...}} per line.
 *   <li>{@code .json}: a JSON array of objects (SafeEdit, or plain prompt objects); a {@code
 *       .json} file whose first character is <code>{</code> is read as JSON Lines.
 * </ul>
 *
 * Other names are read by content: {@code [} starts a JSON array and <code>{</code> JSON Lines.
 * See {@link JsonDatasetReader} for the accepted object keys. Files must be UTF-8.
 *
 * <p>Records without responses keep {@code safe} and {@code unsafe} null; {@link
 * EditRecordDefaults} supplies a default refusal.
 */
public final class DatasetLoader {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetLoader.class);

    /** The file layouts the loader reads. */
    public enum Format {
        CSV,
        JSON_ARRAY,
        JSON_LINES
    }

    private DatasetLoader() {
    }

    /**
     * Loads all records of a dataset file.
     *
     * @param file a CSV, JSON or JSON Lines dataset
     * @return the records in file order, never empty
     * @throws NoSuchFileException when the file does not exist
     * @throws DatasetFormatException when the content is malformed or contains no records; the
     *     message names the file and line
     * @throws IOException when reading fails
     */
    public static List<EditRecord> load(Path file) throws IOException {
        long startNanos = System.nanoTime();
        String source = file.toString();
        LOG.info("Loading dataset {}", source);

        String text = readUtf8(file);
        Format format = detectFormat(file.getFileName().toString(), text, source);
        List<EditRecord> records = parse(text, source, format);

        long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        LOG.info("Loaded {} records ({}) from {} in {} ms", records.size(), format, source, elapsedMillis);
        return records;
    }

    /**
     * Loads only the prompts of a dataset file, for benign prompt sets. Accepts every format that
     * {@link #load(Path)} accepts.
     */
    public static List<String> loadPrompts(Path file) throws IOException {
        return load(file).stream().map(EditRecord::prompt).toList();
    }

    /**
     * Parses dataset text that is already in memory.
     *
     * @param text the file content
     * @param source the file or resource name, used in error messages
     * @param format the layout of {@code text}
     * @throws DatasetFormatException when the content is malformed or contains no records
     */
    static List<EditRecord> parse(String text, String source, Format format) throws DatasetFormatException {
        if (text.isBlank()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the file is empty", "Add at least one record");
        }
        List<EditRecord> records = switch (format) {
            case CSV -> CsvDatasetReader.read(text, source);
            case JSON_ARRAY -> JsonDatasetReader.readArray(text, source);
            case JSON_LINES -> JsonDatasetReader.readLines(text, source);
        };
        if (records.isEmpty()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the file contains no records", "Add at least one record");
        }
        return records;
    }

    /**
     * Chooses the format from the file name extension, and from the first non-blank character
     * for {@code .json} files and unknown extensions.
     */
    static Format detectFormat(String fileName, String text, String source) throws DatasetFormatException {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (text.isBlank()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE, "the file is empty",
                    "Write one record per line (.jsonl), a JSON array of records (.json) or a .csv file with a "
                            + "header row");
        }
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return Format.JSON_LINES;
        }

        char first = firstNonBlankChar(text);
        if (first == '[') {
            return Format.JSON_ARRAY;
        }
        if (first == '{') {
            return Format.JSON_LINES;
        }
        if (name.endsWith(".json")) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the JSON file starts with neither '[' nor '{'",
                    "Store the records as a JSON array of objects or as one JSON object per line");
        }
        throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                "the dataset format cannot be told from the name or content",
                "Use a .csv file with a header row, a .json array of objects, or a .jsonl file");
    }

    private static char firstNonBlankChar(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c) && c != '\uFEFF') {
                return c;
            }
        }
        return '\0';
    }

    private static String readUtf8(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory. Give the path of a dataset file (.csv, .json or .jsonl)");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "dataset file not found. Check the path");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file.toString(), DatasetFormatException.NO_LINE,
                    "the file is not valid UTF-8 text", "Save the file with UTF-8 encoding", e);
        }
    }
}
