package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a new Hugging Face model directory: the source model's configuration, tokenizer,
 * generation and licence files, plus new weights in one {@code model.safetensors}.
 *
 * <p>Everything is written to a hidden sibling directory first and renamed to the output path
 * at the end, so the output either appears complete or not at all. The source directory is only
 * read.
 *
 * <p>NOTE: {@code config.json} is copied unchanged, so its {@code torch_dtype} still names the
 * source's type when the new weights use another.
 */
public final class ModelDirectoryWriter {

    /** Files copied from the source directory when present. */
    static final Set<String> COPIED_FILE_NAMES = Set.of(
            "config.json",
            "generation_config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "tokenizer.model",
            "special_tokens_map.json",
            "added_tokens.json",
            "vocab.json",
            "vocab.txt",
            "merges.txt",
            "chat_template.jinja",
            "chat_template.json",
            "LICENSE",
            "LICENSE.txt",
            "LICENSE.md",
            "NOTICE");

    private static final Logger log = LoggerFactory.getLogger(ModelDirectoryWriter.class);

    private ModelDirectoryWriter() {}

    /** Writes the model with F32 weights and no extra metadata. */
    public static void write(Path sourceDir, Map<String, NDArray> tensors, Path outputDir) throws IOException {
        write(sourceDir, tensors, Map.of(), StoredDType.F32, outputDir);
    }

    /**
     * Writes the model directory.
     *
     * @param sourceDir model directory whose non-weight files are copied
     * @param tensors every tensor of the new model; nothing is taken from the source weights
     * @param metadata written to the safetensors {@code __metadata__}; {@code format} defaults to {@code pt}
     * @param dtype stored type of the new weights: F32, F16 or BF16
     * @param outputDir must not exist, or be an empty directory, and must not be inside {@code sourceDir}
     * @throws IllegalArgumentException when {@code outputDir} is unsafe or already contains files
     */
    public static void write(Path sourceDir, Map<String, NDArray> tensors, Map<String, String> metadata,
            StoredDType dtype, Path outputDir) throws IOException {
        write(sourceDir, tensors, metadata, dtype, outputDir, ProgressListener.NONE);
    }

    /**
     * Writes like {@link #write(Path, Map, Map, StoredDType, Path)}, reporting progress and stopping
     * when {@code progress} is cancelled; the staging directory is then deleted and nothing appears
     * at {@code outputDir}.
     */
    public static void write(Path sourceDir, Map<String, NDArray> tensors, Map<String, String> metadata,
            StoredDType dtype, Path outputDir, ProgressListener progress) throws IOException {
        long startNanos = System.nanoTime();
        if (!Files.isDirectory(sourceDir)) {
            throw new IllegalArgumentException("source model directory " + sourceDir + " not found or not a directory");
        }
        Path source = sourceDir.toRealPath();
        Path output = outputDir.toAbsolutePath().normalize();
        checkOutput(source, output);

        Path parent = output.getParent();
        Files.createDirectories(parent);
        // Files.createTempDirectory would make the directory private to its owner, so create it by hand.
        Path staging = Files.createDirectory(parent.resolve("." + output.getFileName() + ".tmp-" + UUID.randomUUID()));
        Map<String, String> fullMetadata = new TreeMap<>(metadata == null ? Map.of() : metadata);
        fullMetadata.putIfAbsent("format", "pt");
        // Ctrl-C skips the catch below, so a shutdown hook deletes the staging directory instead.
        try (ShutdownDeletion guard = ShutdownDeletion.of(staging)) {
            guard.write(() -> {
                List<String> copied = copyModelFiles(source, staging);
                // SafetensorsWriter stops the write itself when the JVM shuts down.
                SafetensorsWriter.write(staging.resolve(WeightStore.SINGLE_FILE_NAME), tensors, fullMetadata, dtype,
                        progress);

                // rename(2) replaces an empty directory, which checkOutput allowed.
                Files.move(staging, output, StandardCopyOption.ATOMIC_MOVE);
                log.info("Wrote model directory {} ({} tensors as {}, copied {}) in {} ms", output, tensors.size(),
                        dtype, copied, (System.nanoTime() - startNanos) / 1_000_000);
            });
        } catch (IOException | RuntimeException e) {
            log.error("Failed to write model directory {}: {}", output, e.toString());
            DirectoryTrees.deleteOrWarn(staging, "staging directory");
            if (e instanceof IOException ioError) {
                throw FileErrors.writingFailed(output, ioError);
            }
            throw e;
        }
    }

    /**
     * Checks up front, before a long job, that {@link #write} will accept {@code outputDir} for a model
     * read from {@code sourceDir}. Does nothing when {@code sourceDir} does not exist (loading reports that).
     *
     * @throws IllegalArgumentException when {@code outputDir} is the source directory or inside it, is not a
     *     directory, or already contains files
     */
    public static void checkOutputDirectory(Path sourceDir, Path outputDir) throws IOException {
        if (Files.isDirectory(sourceDir)) {
            checkOutput(sourceDir.toRealPath(), outputDir.toAbsolutePath().normalize());
        }
    }

    private static void checkOutput(Path source, Path output) throws IOException {
        Path realOutput = realPathOfExistingPart(output);
        if (realOutput.startsWith(source) || output.startsWith(source)) {
            throw new IllegalArgumentException("output directory " + output + " is the source model directory "
                    + source + " or inside it; choose a directory outside the source model");
        }
        if (Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(output, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException("output path " + output + " exists and is not a directory; "
                        + "choose a new directory name");
            }
            try (Stream<Path> entries = Files.list(output)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("output directory " + output + " already contains files; "
                            + "choose a new or empty directory, nothing was overwritten");
                }
            }
        }
    }

    /** Resolves symbolic links in the longest existing prefix of {@code path}. */
    private static Path realPathOfExistingPart(Path path) throws IOException {
        Path existing = path;
        List<Path> missing = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            missing.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        Path real = existing.toRealPath();
        for (Path name : missing) {
            real = real.resolve(name);
        }
        return real;
    }

    private static List<String> copyModelFiles(Path source, Path staging) throws IOException {
        List<String> copied = new ArrayList<>();
        for (String name : COPIED_FILE_NAMES.stream().sorted().toList()) {
            Path file = source.resolve(name);
            if (Files.isRegularFile(file)) {
                // Copying from a stream gives the new file default permissions, not a read-only source's.
                try (InputStream in = Files.newInputStream(file)) {
                    Files.copy(in, staging.resolve(name));
                }
                copied.add(name);
            }
        }
        return copied;
    }
}
