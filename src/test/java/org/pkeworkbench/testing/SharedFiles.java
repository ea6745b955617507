package org.pkeworkbench.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only shared test material: models, fixtures and datasets. The folder comes
 * from the system property {@code pke.shared.dir} (set by surefire), else {@code ../shared}
 * relative to the working directory.
 */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** Returns the shared folder, failing with a clear message when it does not exist. */
    public static Path shared() {
        String property = System.getProperty("pke.shared.dir");
        Path dir = property != null && !property.isBlank() ? Path.of(property) : Path.of("..", "shared");
        return requireExists(dir.toAbsolutePath().normalize(), "shared test folder");
    }

    /** Returns the fixture model folder {@code fixtures/<name>}. */
    public static Path fixture(String name) {
        return requireExists(shared().resolve("fixtures").resolve(name), "fixture");
    }

    /** Returns the stories260K model folder. */
    public static Path stories260K() {
        return requireExists(shared().resolve("models").resolve("stories260K"), "stories260K model");
    }

    private static Path requireExists(Path path, String what) {
        if (!Files.exists(path)) {
            throw new IllegalStateException("The " + what + " was not found at " + path
                    + ". Set the system property pke.shared.dir to the shared folder, or run from a"
                    + " checkout that has ../shared beside it");
        }
        return path;
    }
}
