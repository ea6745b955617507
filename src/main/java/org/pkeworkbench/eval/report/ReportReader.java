package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.edit.EditReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads edit reports (the JSON that {@code edit --report} writes) as generic Jackson trees, so that
 * keys added by newer versions never break reading, and checks that a file is an edit report at all.
 */
public final class ReportReader {

    private static final Logger LOG = LoggerFactory.getLogger(ReportReader.class);

    /** Keys that every edit report has. A JSON object without them is some other file. */
    static final List<String> REQUIRED_KEYS = List.of("method", "asr_before", "asr_after");

    private static final ObjectMapper SNAKE_CASE = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ReportReader() {}

    /**
     * Reads and checks one report file.
     *
     * @throws NoSuchFileException when {@code file} does not exist
     * @throws IllegalArgumentException when it is not valid JSON or not an edit report, with a message that names the file
     */
    public static JsonNode read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "report file not found; pass the JSON written by 'edit --report'");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Report file " + file + " is not a regular file; pass the JSON written "
                    + "by 'edit --report'");
        }
        JsonNode root;
        try {
            root = SNAKE_CASE.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            String problem = parserProblem(e);
            LOG.warn("Invalid JSON in report file {}: {}", file, problem);
            throw new IllegalArgumentException("Report file " + file + " is not valid JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + " (" + problem
                    + "); pass the JSON written by 'edit --report'", e);
        }
        check(root, file.toString());
        return root;
    }

    /** Returns the parser's message without the source location that Jackson appends (the caller reports it). */
    private static String parserProblem(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        for (String tail : new String[] {"\n", " (start marker at"}) {
            int cut = message.indexOf(tail);
            if (cut > 0) {
                message = message.substring(0, cut);
            }
        }
        return message;
    }

    /** Converts an in-memory report to the same tree that reading its JSON file gives. */
    public static JsonNode toTree(EditReport report) {
        return SNAKE_CASE.valueToTree(report);
    }

    /**
     * Checks that {@code root} looks like an edit report.
     *
     * @param source the file name or other label that error messages name
     * @throws IllegalArgumentException naming {@code source} and the missing key
     */
    static void check(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Report file " + source + " is not an edit report: expected a JSON "
                    + "object, found " + (root == null || root.isMissingNode() ? "an empty file" : root.getNodeType())
                    + "; pass the JSON written by 'edit --report'");
        }
        for (String key : REQUIRED_KEYS) {
            if (!root.has(key)) {
                throw new IllegalArgumentException("Report file " + source + " is not an edit report: key '" + key
                        + "' is missing; pass the JSON written by 'edit --report'");
            }
        }
        if (!root.get("method").isTextual()) {
            throw new IllegalArgumentException("Report file " + source + " is not an edit report: 'method' must be a "
                    + "string, found " + root.get("method").getNodeType());
        }
        for (String key : List.of("asr_before", "asr_after")) {
            if (ReportedRate.from(root.get(key)).isEmpty()) {
                throw new IllegalArgumentException("Report file " + source + " is not an edit report: '" + key
                        + "' must be an object with a numeric 'rate', found " + root.get(key));
            }
        }
    }
}
