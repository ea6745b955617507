package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    @Test
    void parsesResidentSetInKilobytes() {
        assertEquals(123456L * 1024, ProcessMemory.parseResidentBytes(List.of("Name:\tjava", "VmHWM:\t  200000 kB",
                "VmRSS:\t  123456 kB")));
        assertEquals(-1, ProcessMemory.parseResidentBytes(List.of("Name:\tjava")));
    }

    @Test
    void formatsBytesWithBinaryUnits() {
        assertEquals("512 B", ModelSummaryPane.formatBytes(512));
        assertEquals("1015.8 KiB", ModelSummaryPane.formatBytes(1_040_128));
        assertEquals("1.0 MiB", ModelSummaryPane.formatBytes(1 << 20));
        assertEquals("13.5 GiB", ModelSummaryPane.formatBytes((long) (13.5 * (1L << 30))));
        assertEquals("unknown", ModelSummaryPane.formatBytes(-1));
    }
}
