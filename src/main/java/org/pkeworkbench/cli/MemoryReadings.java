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
 * @param residentAnonymousBytes the part of {@code residentBytes} in anonymous memory
 *     ({@code RssAnon}): the Java heap, libtorch's allocations and copied weights
 * @param residentFileBytes the part in mapped files ({@code RssFile}), such as memory-mapped
 *     float32 weights
 */
record MemoryReadings(long peakHeapBytes, Long peakResidentBytes, Long residentBytes, Long residentAnonymousBytes,
        Long residentFileBytes) {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryReadings.class);
    private static final Path STATUS = Path.of("/proc/self/status");

    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /**
     * Resets this process's peak resident set size ({@code VmHWM}) to the current one, by writing
     * {@code 5} to {@code /proc/self/clear_refs}, so that a later
     * {@link #read()} returns the peak of what ran in between.
     *
     * @return false where the file is missing or cannot be written, so the peak still counts from
     *     the start of the process
     */
    static boolean resetPeakResident() {
        if (!Files.isWritable(CLEAR_REFS)) {
            LOG.info("{} is not writable here; the peak resident size counts from the process start", CLEAR_REFS);
            return false;
        }
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException e) {
            LOG.warn("Could not reset the peak resident size through {}: {}", CLEAR_REFS, e.toString());
            return false;
        }
    }

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
        return new MemoryReadings(peakHeap, kilobytesField(status, "VmHWM:"), kilobytesField(status, "VmRSS:"),
                kilobytesField(status, "RssAnon:"), kilobytesField(status, "RssFile:"));
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
