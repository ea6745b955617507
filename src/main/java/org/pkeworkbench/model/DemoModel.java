package org.pkeworkbench.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the shipped demo model and its prompt sets: under the folder named by the system property
 * {@code pke.assets.dir}, else {@code resources/} in the working directory, else {@code resources/}
 * beside the jar's folder, else copied out of the jar into a temporary folder.
 */
public final class DemoModel {

    private static final Logger LOG = LoggerFactory.getLogger(DemoModel.class);
    private static final String MODEL = "models/demo";
    private static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json",
            "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md", "LICENSE");

    private static Path extracted;

    private DemoModel() {}

    /** The demo model's directory. */
    public static Path directory() throws IOException {
        return asset(MODEL, MODEL_FILES);
    }

    /** The demo edit set (harmful-style requests with safe and unsafe responses). */
    public static Path editSet() throws IOException {
        return asset("datasets/demo-edit.jsonl", null);
    }

    /** The demo's held-out attack prompts. */
    public static Path evalSet() throws IOException {
        return asset("datasets/demo-eval.jsonl", null);
    }

    private static Path asset(String relative, List<String> folderFiles) throws IOException {
        for (Path root : candidateRoots()) {
            Path candidate = root.resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        return extract(relative, folderFiles);
    }

    private static List<Path> candidateRoots() {
        List<Path> roots = new java.util.ArrayList<>();
        String property = System.getProperty("pke.assets.dir");
        if (property != null && !property.isBlank()) {
            roots.add(Path.of(property));
        }
        roots.add(Path.of("resources"));
        try {
            Path code = Path.of(DemoModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path folder = Files.isDirectory(code) ? code : code.getParent();
            if (folder != null && folder.getParent() != null) {
                roots.add(folder.getParent().resolve("resources"));
            }
        } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
            LOG.debug("Could not find the jar's folder: {}", e.toString());
        }
        return roots;
    }

    /** Copies a shipped asset (a file, or a folder with the listed files) out of the jar. */
    private static synchronized Path extract(String relative, List<String> folderFiles) throws IOException {
        if (extracted == null) {
            extracted = Files.createTempDirectory("pke-assets");
            extracted.toFile().deleteOnExit();
        }
        Path target = extracted.resolve(relative);
        List<String> files = folderFiles == null ? List.of("") : folderFiles;
        for (String name : files) {
            String resource = "/pke-assets/" + relative + (name.isEmpty() ? "" : "/" + name);
            Path out = name.isEmpty() ? target : target.resolve(name);
            try (InputStream in = DemoModel.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("The demo asset " + resource + " is missing from the jar and from resources/; "
                            + "rebuild with 'mvn package' or set -Dpke.assets.dir to the project's resources folder");
                }
                Files.createDirectories(out.getParent());
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        LOG.info("Extracted demo asset {} to {}", relative, target);
        return target;
    }
}
