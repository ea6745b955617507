package org.pkeworkbench.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only shared test material: fixtures, models and data sets. */
public final class SharedFiles {

    private SharedFiles() {}

    /** Returns the shared folder: system property {@code pke.shared.dir}, else {@code ../shared}. */
    public static Path shared() {
        String configured = System.getProperty("pke.shared.dir");
        Path dir = (configured != null ? Path.of(configured) : Path.of("..", "shared")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared test folder " + dir + " not found; set the system property "
                    + "pke.shared.dir to the folder that contains fixtures/ and models/");
        }
        return dir;
    }

    /** Returns a fixture model folder, for example {@code fixture("tiny-llama3")}. */
    public static Path fixture(String name) {
        return existing(shared().resolve("fixtures").resolve(name));
    }

    /** Returns the stories260K model folder. */
    public static Path stories260K() {
        return existing(shared().resolve("models").resolve("stories260K"));
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException("shared test file " + path + " not found; check pke.shared.dir");
        }
        return path;
    }
}
