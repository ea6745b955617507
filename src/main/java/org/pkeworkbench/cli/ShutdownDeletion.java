package org.pkeworkbench.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a directory tree if the JVM shuts down before {@link #close()}: Ctrl-C runs shutdown
 * hooks but skips {@code finally} blocks, and the directories this guards (a temporary or staged
 * random model) can take gigabytes.
 *
 * <p>Example: {@code try (ShutdownDeletion guard = ShutdownDeletion.of(staging)) { ... }}.
 */
final class ShutdownDeletion implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDeletion.class);

    private final Thread hook;

    private ShutdownDeletion(Path dir) {
        this.hook = new Thread(() -> {
            try {
                DirectoryTrees.delete(dir);
                LOG.info("Deleted {} on shutdown", dir);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Could not delete {} on shutdown: {}", dir, e.toString());
            }
        }, "pke-shutdown-deletion");
    }

    /** Starts guarding {@code dir}, which need not exist yet. */
    static ShutdownDeletion of(Path dir) {
        ShutdownDeletion deletion = new ShutdownDeletion(dir);
        Runtime.getRuntime().addShutdownHook(deletion.hook);
        return deletion;
    }

    /** Stops guarding and leaves the directory as it is. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already shutting down, so the hook runs anyway.
            LOG.debug("Shutdown in progress; the deletion hook stays", shuttingDown);
        }
    }
}
