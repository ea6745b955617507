package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file write under a temporary name beside the file, renamed into place once complete. A reader
 * so sees no half-written file, and an existing file stays as it was until the new one replaces it.
 * The temporary file is deleted when the write fails, and by a shutdown hook when the JVM stops
 * during the write (Ctrl-C skips {@code catch} blocks).
 *
 * <p>Example: {@code TemporaryFileWrite.replace(target, temporary, (file, guard) ->
 * Files.writeString(file, text));}
 */
public final class TemporaryFileWrite {

    private static final Logger LOG = LoggerFactory.getLogger(TemporaryFileWrite.class);

    /** The write of the temporary file's contents. */
    public interface Fill {

        /**
         * Writes the contents to {@code temporary}. A long write passes its progress listener
         * through {@link ShutdownDeletion#stopOnShutdown} of {@code guard} to stop when the JVM does.
         */
        void writeTo(Path temporary, ShutdownDeletion guard) throws IOException;
    }

    private TemporaryFileWrite() {}

    /**
     * Writes {@code temporary} with {@code fill}, then moves it onto {@code target}, replacing an
     * existing file.
     *
     * @throws FileErrors.WriteFailedException naming {@code target} when the write or the move failed
     */
    public static void replace(Path target, Path temporary, Fill fill) throws IOException {
        try (ShutdownDeletion guard = ShutdownDeletion.of(temporary)) {
            guard.write(() -> {
                fill.writeTo(temporary, guard);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            });
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            if (e instanceof CancellationException) {
                LOG.info("Stopped writing {}: {}", target, e.getMessage());
                throw e;
            }
            LOG.error("Failed to write {}: {}", target, e.toString());
            if (e instanceof IOException ioError) {
                throw FileErrors.writingFailed(target, ioError);
            }
            throw e;
        }
    }
}
