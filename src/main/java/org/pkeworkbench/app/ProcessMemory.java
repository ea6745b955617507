package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench process's memory: the Java heap, and on Linux the resident set, which also counts
 * libtorch's native tensors (the model's weights live there, not on the heap).
 *
 * @param heapUsedBytes heap in use
 * @param heapMaxBytes the heap's limit ({@code -Xmx})
 * @param residentBytes resident set size ({@code VmRSS}), or -1 where {@code /proc/self/status} is missing
 */
record ProcessMemory(long heapUsedBytes, long heapMaxBytes, long residentBytes) {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessMemory.class);
    private static final Path STATUS = Path.of("/proc/self/status");

    /** Reads the current values; cheap enough for the JavaFX thread (one small file read). */
    static ProcessMemory read() {
        Runtime runtime = Runtime.getRuntime();
        return new ProcessMemory(runtime.totalMemory() - runtime.freeMemory(), runtime.maxMemory(), readResidentBytes());
    }

    private static long readResidentBytes() {
        if (!Files.isReadable(STATUS)) {
            return -1;
        }
        try {
            List<String> lines = Files.readAllLines(STATUS);
            return parseResidentBytes(lines);
        } catch (IOException | RuntimeException e) {
            // Read every 2 s by the model panel: one debug line per failure, not a warning each time.
            LOG.debug("Could not read the resident memory from {}: {}", STATUS, e.toString());
            return -1;
        }
    }

    /** Reads {@code VmRSS:  123456 kB} from the lines of {@code /proc/self/status}; -1 without it. */
    static long parseResidentBytes(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return -1;
    }
}
