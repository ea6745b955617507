package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The opt-in glibc malloc tuning takes effect on Linux, and training phases nest. */
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
}
