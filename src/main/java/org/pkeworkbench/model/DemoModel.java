package org.pkeworkbench.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.pkeworkbench.model.io.ShutdownDeletion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the shipped demo model and its prompt sets: under the folder named by the system property
 * {@code pke.assets.dir}, else {@code resources/} in the working directory, else {@code resources/}
 * beside the jar's folder, else copied out of the jar into the user's cache folder.
 */
public final class DemoModel {

    private static final Logger LOG = LoggerFactory.getLogger(DemoModel.class);
    private static final String MODEL = "models/demo";
    static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json",
            "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md", "LICENSE");

    /** The temporary folder used when the cache cannot be written, or null. */
    private static Path temporary;

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

    /**
     * Copies a shipped asset (a file, or a folder with the listed files) out of the jar into the
     * user's cache, {@code ~/.cache/pke-workbench/assets/DIGEST/}, named by the SHA-256 of its
     * bytes. Later runs of the same jar find it there, so runs do not leave a copy each. A demo
     * model that differs, from another jar, gets its own folder. The copy is written under a temporary name
     * and renamed into place. Where the cache cannot be written, a temporary folder is used and
     * deleted at exit.
     */
    static synchronized Path extract(String relative, List<String> folderFiles) throws IOException {
        List<String> files = folderFiles == null ? List.of("") : folderFiles;
        Map<String, byte[]> contents = new LinkedHashMap<>();
        MessageDigest digest = sha256();
        for (String name : files) {
            String resource = "/pke-assets/" + relative + (name.isEmpty() ? "" : "/" + name);
            try (InputStream in = DemoModel.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("The demo asset " + resource + " is missing from the jar and from resources/; "
                            + "rebuild with 'mvn package' or set -Dpke.assets.dir to the project's resources folder");
                }
                byte[] bytes = in.readAllBytes();
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update(bytes);
                contents.put(name, bytes);
            }
        }
        String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);

        try {
            Path target = cacheRoot().resolve(hash).resolve(relative);
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                Path staging = Files.createTempDirectory(target.getParent(), ".extracting-");
                try {
                    write(staging.resolve("asset"), contents);
                    Files.move(staging.resolve("asset"), target, StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileAlreadyExistsException
                        | java.nio.file.DirectoryNotEmptyException otherProcess) {
                    LOG.debug("Another process extracted {} first", target);
                } finally {
                    DirectoryTrees.delete(staging);
                }
                LOG.info("Extracted demo asset {} to {}", relative, target);
            }
            return target;
        } catch (IOException | SecurityException e) {
            LOG.warn("Could not use the asset cache ({}); extracting {} to a temporary folder", e.toString(), relative);
            return extractTemporary(relative, contents);
        }
    }

    /** Returns the cache folder for extracted assets, which the property {@code pke.assets.cache} replaces in tests. */
    private static Path cacheRoot() {
        String property = System.getProperty("pke.assets.cache");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "pke-workbench", "assets");
    }

    private static Path extractTemporary(String relative, Map<String, byte[]> contents) throws IOException {
        if (temporary == null) {
            temporary = Files.createTempDirectory("pke-assets");
            // Deleted when the JVM exits. The guard stays open for the life of the process.
            ShutdownDeletion.of(temporary);
        }
        Path target = temporary.resolve(relative);
        if (!Files.exists(target)) {
            write(target, contents);
        }
        LOG.info("Extracted demo asset {} to {}", relative, target);
        return target;
    }

    /** Writes {@code contents} at {@code target}: one file for the name "", else files in the folder {@code target}. */
    private static void write(Path target, Map<String, byte[]> contents) throws IOException {
        for (Map.Entry<String, byte[]> file : contents.entrySet()) {
            Path out = file.getKey().isEmpty() ? target : target.resolve(file.getKey());
            Files.createDirectories(out.getParent());
            Files.write(out, file.getValue());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
