package org.pkeworkbench.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory use of this JVM process.
 *
 * @param peakHeapBytes sum of the heap pools' peak usage since the JVM started
 * @param peakResidentBytes peak resident set size ({@code VmHWM} of {@code /proc/self/status}),
 *     which includes libtorch's native memory; null where {@code /proc} is missing (not Linux)
 * @param residentBytes current resident set size ({@code VmRSS}); null where {@code /proc} is missing
 */
record MemoryReadings(long peakHeapBytes, Long peakResidentBytes, Long residentBytes) {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryReadings.class);
    private static final Path STATUS = Path.of("/proc/self/status");

    static MemoryReadings read() {
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        String status = null;
        if (Files.isReadable(STATUS)) {
            try {
                status = Files.readString(STATUS);
            } catch (IOException e) {
                LOG.warn("Could not read {}: {}", STATUS, e.toString());
            }
        }
        return new MemoryReadings(peakHeap, kilobytesField(status, "VmHWM:"), kilobytesField(status, "VmRSS:"));
    }

    /** Reads a {@code NAME:   1234 kB} line of {@code /proc/self/status} as bytes, or null. */
    static Long kilobytesField(String status, String name) {
        if (status == null) {
            return null;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith(name)) {
                String[] parts = line.substring(name.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return null;
    }
}
