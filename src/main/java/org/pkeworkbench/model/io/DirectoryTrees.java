package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
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
        // Another thread may delete part of the tree at the same time, such as the shutdown hook of
        // a folder nested in this one, so a path that vanished counts as deleted.
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException error) throws IOException {
                if (error instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw error;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path folder, IOException error) throws IOException {
                if (error != null && !(error instanceof NoSuchFileException)) {
                    throw error;
                }
                Files.deleteIfExists(folder);
                return FileVisitResult.CONTINUE;
            }
        });
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
