package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link MklCodePath}: when the automatic code path is set, and how the CPU's vendor is read. */
class MklCodePathTest {

    private static final Optional<String> AMD = Optional.of("AuthenticAMD");
    private static final Optional<String> INTEL = Optional.of("GenuineIntel");

    @Test
    void defaultSkipsIntelCpus() {
        assertTrue(MklCodePath.decide(null, null, AMD).setAuto());
        assertFalse(MklCodePath.decide(null, null, INTEL).setAuto());
        assertFalse(MklCodePath.decide("", null, Optional.empty()).setAuto(), "unknown make: MKL's default");
    }

    @Test
    void propertyAndEnvironmentDecideFirst() {
        assertTrue(MklCodePath.decide("auto", null, INTEL).setAuto());
        assertTrue(MklCodePath.decide(" AUTO ", null, Optional.empty()).setAuto());
        assertFalse(MklCodePath.decide("off", null, AMD).setAuto());

        MklCodePath.Decision environment = MklCodePath.decide("auto", "AVX2", AMD);
        assertFalse(environment.setAuto());
        assertTrue(environment.reason().contains("MKL_CBWR=AVX2"), environment.reason());

        assertTrue(MklCodePath.decide("fast", null, AMD).setAuto(), "an invalid value counts as unset");
        assertFalse(MklCodePath.decide("fast", null, INTEL).setAuto(), "an invalid value counts as unset");
        assertFalse(MklCodePath.isValid("fast"));
        assertTrue(MklCodePath.isValid(" Off "));
    }

    @Test
    void vendorFromIdentifierOrCpuinfo() {
        assertEquals(INTEL, MklCodePath.vendorIn("Intel64 Family 6 Model 158 Stepping 10, GenuineIntel"));
        assertEquals(AMD, MklCodePath.vendorIn("AMD64 Family 25 Model 1 Stepping 1, AuthenticAMD"));
        assertEquals(Optional.empty(), MklCodePath.vendorIn("ARMv8 (64-bit) Family 8"));
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
        if (x86 && Files.isReadable(Path.of("/proc/cpuinfo")) && System.getenv("PROCESSOR_IDENTIFIER") == null) {
            assertTrue(MklCodePath.cpuVendor().isPresent(), "x86 Linux names its vendor in /proc/cpuinfo");
        }
    }

    @Test
    void appliesOncePerProcess() {
        assertSame(MklCodePath.apply(), MklCodePath.apply());
    }
}
