package org.pkeworkbench.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only reference inputs (fixtures, stories260K, datasets) beside the project. */
public final class SharedFiles {

    private SharedFiles() {}

    public static Path shared() {
        Path dir = Path.of(System.getProperty("pke.shared.dir", "../shared")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Shared test inputs not found at " + dir
                    + "; set -Dpke.shared.dir or place the shared folder beside the project");
        }
        return dir;
    }

    public static Path fixture(String name) {
        return shared().resolve("fixtures").resolve(name);
    }

    public static Path stories260K() {
        return shared().resolve("models").resolve("stories260K");
    }
}
