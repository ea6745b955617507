package org.pkeworkbench.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary folder that {@code bench --random-llama} writes its model into without {@code
 * --out}. A shutdown hook deletes it on Ctrl-C, but a killed JVM (SIGKILL, the out-of-memory
 * killer) leaves it behind, up to the size of the model. So each folder records the process that
 * owns it, and the next {@code bench} deletes folders whose owner has ended.
 */
final class BenchTemporaryFolder {

    private static final Logger LOG = LoggerFactory.getLogger(BenchTemporaryFolder.class);

    static final String PREFIX = "pke-bench";
    /** File in the folder with the owning process id, in decimal. */
    static final String OWNER_FILE = "owner.pid";

    private BenchTemporaryFolder() {}

    /** Creates a new folder in {@code parent}, recording this process as its owner. */
    static Path create(Path parent) throws IOException {
        Path folder = Files.createTempDirectory(parent, PREFIX);
        Files.writeString(folder.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        return folder;
    }

    /**
     * Deletes the folders in {@code parent} that an earlier {@code bench} created and whose owner
     * has ended. A folder without a readable owner file, or whose owner process id is running (it
     * may be another program's after the id was reused), is left alone.
     *
     * @return how many folders were deleted
     */
    static int deleteAbandoned(Path parent) {
        int deleted = 0;
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path folder : folders) {
                Optional<Long> owner = owner(folder);
                if (owner.isEmpty() || ProcessHandle.of(owner.get()).isPresent()) {
                    continue;
                }
                if (DirectoryTrees.deleteOrWarn(folder, "abandoned benchmark folder")) {
                    LOG.info("Deleted {}, left by bench process {}, which ended without cleaning up", folder,
                            owner.get());
                    deleted++;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not look for abandoned benchmark folders in {}: {}", parent, e.toString());
        }
        return deleted;
    }

    private static Optional<Long> owner(Path folder) {
        Path file = folder.resolve(OWNER_FILE);
        if (!Files.isDirectory(folder) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            LOG.debug("Unreadable owner file {}", file, e);
            return Optional.empty();
        }
    }
}
