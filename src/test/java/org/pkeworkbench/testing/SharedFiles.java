package org.pkeworkbench.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the read-only shared test inputs (models, fixtures, datasets) beside the project root. */
public final class SharedFiles {

    private SharedFiles() {}

    /** The shared directory: system property {@code pke.shared.dir}, else {@code ../shared}. */
    public static Path shared() {
        Path dir = Paths.get(System.getProperty("pke.shared.dir", "../shared")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Shared test directory not found: " + dir
                    + ". Check out the shared inputs beside the project root or set -Dpke.shared.dir=DIR.");
        }
        return dir;
    }

    /** A tiny reference model folder such as {@code tiny-llama3}. */
    public static Path fixture(String name) {
        return existing(shared().resolve("fixtures").resolve(name));
    }

    /** The pretrained stories260K model directory. */
    public static Path stories260K() {
        return existing(shared().resolve("models").resolve("stories260K"));
    }

    private static Path existing(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Shared test input not found: " + dir);
        }
        return dir;
    }
}
