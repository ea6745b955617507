package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The opt-in glibc malloc tuning takes effect on Linux, training phases nest, and a trim gives
 * freed memory back.
 */
class NativeMemoryTuningTest {

    @Test
    void appliesWhenRequestedOnLinux() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "mallopt is a glibc function");
        String before = System.getProperty(NativeMemoryTuning.PROPERTY);
        System.setProperty(NativeMemoryTuning.PROPERTY, "true");
        try {
            assertTrue(NativeMemoryTuning.apply(), "mallopt accepted both thresholds");
            assertTrue(NativeMemoryTuning.apply(), "a second call keeps the tuning");
            try (NativeMemoryTuning.AutoCloseableNoThrow outer = NativeMemoryTuning.trainingPhase()) {
                try (NativeMemoryTuning.AutoCloseableNoThrow inner = NativeMemoryTuning.trainingPhase()) {
                    assertEquals(2, NativeMemoryTuning.trainingDepth());
                }
                assertEquals(1, NativeMemoryTuning.trainingDepth(), "the outer phase keeps the 32 MiB threshold");
            }
            assertEquals(0, NativeMemoryTuning.trainingDepth(), "the last close restores 128 KiB");
        } finally {
            if (before == null) {
                System.clearProperty(NativeMemoryTuning.PROPERTY);
            } else {
                System.setProperty(NativeMemoryTuning.PROPERTY, before);
            }
        }
    }

    /** Blocks below glibc's mmap threshold come from its heap, where freed memory stays resident. */
    private static final int BLOCK_BYTES = 16 * 1024;
    private static final int BLOCKS = 8192;

    @Test
    void trimReturnsFreedHeapMemory() throws java.io.IOException {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "malloc_trim is a glibc function");
        long[] blocks = new long[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = com.sun.jna.Native.malloc(BLOCK_BYTES);
            new com.sun.jna.Pointer(blocks[i]).setMemory(0, BLOCK_BYTES, (byte) 1);
        }
        // Every other block is freed, so the kept ones pin the heap and a plain free cannot shrink it.
        for (int i = 0; i < BLOCKS; i += 2) {
            com.sun.jna.Native.free(blocks[i]);
        }
        try {
            long before = residentBytes();
            NativeMemoryTuning.trimFreeMemory();
            long released = before - residentBytes();

            // glibc returns only whole pages inside each free block, not all of it: 27 of 64 MiB came back here.
            long freed = (long) BLOCKS / 2 * BLOCK_BYTES;
            assertTrue(released > freed / 4, "the trim released " + released + " of " + freed + " freed bytes");
        } finally {
            for (int i = 1; i < BLOCKS; i += 2) {
                com.sun.jna.Native.free(blocks[i]);
            }
        }
    }

    private static long residentBytes() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }
}
