package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes directory trees: the staging and temporary folders that writers remove after a failure,
 * a cancel or on exit.
 *
 * <p>Example: {@code DirectoryTrees.deleteOrWarn(staging, "staging directory");}
 */
public final class DirectoryTrees {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryTrees.class);

    private DirectoryTrees() {}

    /**
     * Deletes {@code directory} and everything in it, deepest paths first. A missing directory, or a
     * path that disappears meanwhile, is not an error.
     *
     * @throws IOException when a path cannot be deleted
     */
    public static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Deletes like {@link #delete}, but logs a warning instead of throwing, for clean-up that must
     * not hide the error that caused it.
     *
     * @param description names the directory in the warning, for example "staging directory"
     * @return true when the directory is gone
     */
    public static boolean deleteOrWarn(Path directory, String description) {
        try {
            delete(directory);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete the {} {}: {}", description, directory, e.toString());
            return false;
        }
    }
}
