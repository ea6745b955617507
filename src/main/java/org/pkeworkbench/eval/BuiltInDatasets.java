package org.pkeworkbench.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prompt sets shipped with the application. They live under {@code resources/datasets/} in the
 * repository, which the build packs into the jar as {@code /pke-assets/datasets/}. When the system
 * property {@value #ASSETS_DIR_PROPERTY} is set, the files are read from that folder instead.
 */
public final class BuiltInDatasets {

    /** System property naming the assets folder on the file system. */
    public static final String ASSETS_DIR_PROPERTY = "pke.assets.dir";

    /** Path of the benign prompt set, relative to the assets folder. */
    static final String BENIGN_DEFAULT = "datasets/benign-default.jsonl";

    private static final String CLASSPATH_ROOT = "/pke-assets/";
    private static final Logger LOG = LoggerFactory.getLogger(BuiltInDatasets.class);

    private BuiltInDatasets() {
    }

    /**
     * Loads the built-in benign prompt set: about 120 short harmless requests (stories, facts,
     * arithmetic, advice) in plain words, as prompt-only records.
     *
     * @throws IOException when the file is missing or malformed
     */
    public static List<EditRecord> benignDefault() throws IOException {
        return load(BENIGN_DEFAULT, System.getProperty(ASSETS_DIR_PROPERTY));
    }

    /** Loads the built-in benign prompts used as locality records of an edit (distinct from {@link #benignDefault()}). */
    public static List<EditRecord> localityDefault() throws IOException {
        return load("datasets/locality-default.jsonl", System.getProperty(ASSETS_DIR_PROPERTY));
    }

    /** Loads the demo model's edit set: harmful-style requests with safe and unsafe responses. */
    public static List<EditRecord> demoEditSet() throws IOException {
        return load("datasets/demo-edit.jsonl", System.getProperty(ASSETS_DIR_PROPERTY));
    }

    /** Loads the demo model's held-out attack prompts. */
    public static List<EditRecord> demoEvalSet() throws IOException {
        return load("datasets/demo-eval.jsonl", System.getProperty(ASSETS_DIR_PROPERTY));
    }

    /**
     * Loads a shipped JSON Lines dataset.
     *
     * @param relativePath path below the assets folder, with '/' separators
     * @param assetsDir the assets folder on the file system, or null to read from the classpath
     */
    static List<EditRecord> load(String relativePath, String assetsDir) throws IOException {
        if (assetsDir != null && !assetsDir.isBlank()) {
            Path file = Path.of(assetsDir).resolve(relativePath);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "built-in dataset not found under "
                        + ASSETS_DIR_PROPERTY + "=" + assetsDir + ". Point the property at the folder that"
                        + " contains 'datasets/', or unset it to use the copy inside the jar");
            }
            return DatasetLoader.load(file);
        }

        String resource = CLASSPATH_ROOT + relativePath;
        try (InputStream in = BuiltInDatasets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NoSuchFileException(resource, null, "built-in dataset not found on the classpath."
                        + " Rebuild the jar, or set " + ASSETS_DIR_PROPERTY + " to the folder that contains 'datasets/'");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<EditRecord> records = DatasetLoader.parse(text, "classpath:" + resource, DatasetLoader.Format.JSON_LINES);
            LOG.info("Loaded {} records from classpath:{}", records.size(), resource);
            return records;
        }
    }
}
