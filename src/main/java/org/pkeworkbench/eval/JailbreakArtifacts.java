package org.pkeworkbench.eval;

import org.pkeworkbench.model.JsonErrors;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads JailbreakBench attack artifacts: every {@code *.json} file under a folder whose root object
 * has a {@code jailbreaks} array (and usually {@code parameters}). Other JSON files there, such as
 * {@code attack-info.json}, are ignored.
 */
public final class JailbreakArtifacts {

    private static final Logger LOG = LoggerFactory.getLogger(JailbreakArtifacts.class);

    /** The reference label field that JailbreakBench's own judge filled in. */
    public static final String DEFAULT_LABEL_FIELD = "jailbroken";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JailbreakArtifacts() {}

    /**
     * Loads all artifact files under {@code dir}, sorted by relative path.
     *
     * @param labelField the boolean row field used as the reference label; rows without it get a null label
     * @throws NoSuchFileException when {@code dir} does not exist
     * @throws NotDirectoryException when {@code dir} is a file
     * @throws DatasetFormatException when a JSON file is invalid or a {@code jailbreaks} entry is not an
     *     object, when no artifact file is found, or when no entry has {@code labelField} (a mistyped
     *     field name would otherwise skip every row)
     */
    public static List<JailbreakArtifact> load(Path dir, String labelField) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null,
                    "artifacts folder not found. Point it at JailbreakBench's attack-artifacts folder");
        }
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir + " is a file; point it at JailbreakBench's attack-artifacts folder");
        }

        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(path -> path.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }

        List<JailbreakArtifact> artifacts = new ArrayList<>();
        // Boolean fields of the entries, to name the choices when no entry has labelField.
        Set<String> booleanFields = new TreeSet<>();
        boolean labelFieldSeen = false;
        for (Path file : files) {
            String relative = dir.relativize(file).toString().replace('\\', '/');
            JsonNode root = readJson(file);
            if (root == null || !root.isObject() || !root.path("jailbreaks").isArray()) {
                LOG.debug("Ignoring {}: no 'jailbreaks' array", file);
                continue;
            }
            artifacts.add(toArtifact(file, relative, root, labelField));
            for (JsonNode row : root.get("jailbreaks")) {
                labelFieldSeen |= row.has(labelField);
                row.fields().forEachRemaining(field -> {
                    if (field.getValue().isBoolean()) {
                        booleanFields.add(field.getKey());
                    }
                });
            }
        }
        if (artifacts.isEmpty()) {
            throw new DatasetFormatException(dir.toString(), DatasetFormatException.NO_LINE,
                    "no JailbreakBench artifact file (a JSON object with a 'jailbreaks' array) was found in "
                            + files.size() + " JSON files",
                    "Point it at JailbreakBench's attack-artifacts folder");
        }
        if (!artifacts.isEmpty() && !labelFieldSeen) {
            throw new DatasetFormatException(dir.toString(), DatasetFormatException.NO_LINE,
                    "no jailbreaks entry in its " + artifacts.size() + " artifact files has the label field \""
                            + labelField + "\"; boolean fields found: "
                            + (booleanFields.isEmpty() ? "none" : String.join(", ", booleanFields)),
                    "Pass one of them to --label-field");
        }
        LOG.info("Loaded {} artifact files ({} rows) from {}", artifacts.size(),
                artifacts.stream().mapToInt(a -> a.rows().size()).sum(), dir);
        return artifacts;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : DatasetFormatException.NO_LINE;
            throw new DatasetFormatException(file.toString(), line, "invalid JSON: " + JsonErrors.describe(e),
                    "Fix or remove the file", e);
        }
    }

    private static JailbreakArtifact toArtifact(Path file, String relative, JsonNode root, String labelField)
            throws DatasetFormatException {
        JsonNode parameters = root.path("parameters");
        List<JailbreakArtifact.Row> rows = new ArrayList<>();
        JsonNode jailbreaks = root.get("jailbreaks");
        for (int i = 0; i < jailbreaks.size(); i++) {
            JsonNode row = jailbreaks.get(i);
            if (!row.isObject()) {
                throw new DatasetFormatException(file.toString(), DatasetFormatException.NO_LINE,
                        "jailbreaks entry " + i + " is not a JSON object", "Fix or remove the file");
            }
            JsonNode label = row.path(labelField);
            if (!label.isMissingNode() && !label.isNull() && !label.isBoolean()) {
                throw new DatasetFormatException(file.toString(), DatasetFormatException.NO_LINE,
                        "jailbreaks entry " + i + " has \"" + labelField + "\" = " + label + ", not true, false or null",
                        "Store the label as a JSON boolean");
            }
            rows.add(new JailbreakArtifact.Row(
                    row.path("index").canConvertToInt() ? row.get("index").asInt() : i,
                    textOrNull(row, "goal"),
                    textOrNull(row, "prompt"),
                    textOrNull(row, "response"),
                    label.isBoolean() ? label.booleanValue() : null));
        }
        return new JailbreakArtifact(relative, parameters.path("method").asText(""),
                parameters.path("model").asText(""), labelField, rows);
    }

    private static String textOrNull(JsonNode row, String field) {
        JsonNode value = row.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
