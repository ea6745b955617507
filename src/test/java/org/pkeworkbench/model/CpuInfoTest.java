package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link CpuInfo}: the vendor, model name and flags of {@code /proc/cpuinfo} text and of a Windows identifier. */
class CpuInfoTest {

    private static final List<String> XEON = List.of(
            "processor\t: 0",
            "vendor_id\t: GenuineIntel",
            "model name\t: Intel(R) Xeon(R) Processor",
            "flags\t\t: fpu vme avx2 avx512f avx512_bf16 avx512_fp16 amx_bf16",
            "bugs\t\t: spectre_v1",
            "",
            "processor\t: 1",
            "vendor_id\t: GenuineIntel",
            "flags\t\t: fpu");

    @Test
    void firstProcessorsVendorAndFlags() {
        CpuInfo info = CpuInfo.parse(XEON);

        assertEquals(Optional.of("GenuineIntel"), info.vendor());
        assertEquals(Optional.of("Intel(R) Xeon(R) Processor"), info.modelName());
        assertEquals(Optional.of(true), info.hasFloat16Arithmetic());
        assertEquals(Optional.of(false), info.hasFlag("amx_fp16"));
        assertEquals(Optional.of(false), CpuInfo.parse(List.of("vendor_id : AuthenticAMD",
                "flags : avx512f avx512_bf16")).hasFloat16Arithmetic());
    }

    @Test
    void unknownFlagsStayEmpty() {
        CpuInfo arm = CpuInfo.parse(List.of("processor : 0", "Features : fp asimd"));

        assertEquals(Optional.empty(), arm.vendor());
        assertEquals(Optional.empty(), arm.hasFloat16Arithmetic());
    }

    @Test
    void vendorFromWindowsIdentifier() {
        assertEquals(Optional.of("GenuineIntel"), CpuInfo.vendorIn("Intel64 Family 6 Model 158 Stepping 10, GenuineIntel"));
        assertEquals(Optional.of("AuthenticAMD"), CpuInfo.vendorIn("AMD64 Family 25 Model 1 Stepping 1, AuthenticAMD"));
        assertEquals(Optional.empty(), CpuInfo.vendorIn("ARMv8 (64-bit) Family 8"));
    }

    @Test
    void thisMachineNamesItsVendor() {
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
        if (x86 && Files.isReadable(Path.of("/proc/cpuinfo")) && System.getenv("PROCESSOR_IDENTIFIER") == null) {
            assertTrue(CpuInfo.current().vendor().isPresent(), "x86 Linux names its vendor in /proc/cpuinfo");
            assertTrue(CpuInfo.current().hasFlag("sse2").orElse(false), "every x86-64 CPU has SSE2");
        }
    }
}
