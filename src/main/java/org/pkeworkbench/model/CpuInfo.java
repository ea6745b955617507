package org.pkeworkbench.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU's vendor and instruction-set flags, read once per process, for choices that depend on
 * how libtorch's CPU kernels behave on a given CPU (MKL's code path, row-block products, the
 * float16 warning).
 *
 * <p>On Linux both come from {@code /proc/cpuinfo}. On Windows the vendor comes from
 * {@code PROCESSOR_IDENTIFIER}, and the flags are unknown. Unknown values are empty, never guessed.
 */
public final class CpuInfo {

    private static final Logger LOG = LoggerFactory.getLogger(CpuInfo.class);

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private final Optional<String> vendor;
    /** The {@code model name} of the first processor, such as "Intel(R) Xeon(R) Processor". */
    private final Optional<String> modelName;
    /** The {@code flags} of the first processor, or empty when the system does not list them. */
    private final Optional<Set<String>> flags;

    CpuInfo(Optional<String> vendor, Optional<String> modelName, Optional<Set<String>> flags) {
        this.vendor = vendor;
        this.modelName = modelName;
        this.flags = flags;
    }

    /** Returns this machine's CPU, read on first use. */
    public static CpuInfo current() {
        return Current.INFO;
    }

    private static final class Current {
        static final CpuInfo INFO = read();
    }

    /** Returns the vendor string, such as {@code GenuineIntel} or {@code AuthenticAMD}, where the system reports it. */
    public Optional<String> vendor() {
        return vendor;
    }

    /** Returns the CPU's model name where the system reports it, for records of where a result was computed. */
    public Optional<String> modelName() {
        return modelName;
    }

    /** Returns whether the CPU has {@code flag} (as {@code /proc/cpuinfo} spells it), or empty where flags are unknown. */
    public Optional<Boolean> hasFlag(String flag) {
        return flags.map(set -> set.contains(flag));
    }

    /**
     * Returns whether the CPU has AVX512-FP16 instructions, with which libtorch computed float16
     * matrix products about as fast as float32 ones. Empty where flags are unknown.
     *
     * <p>NOTE: this rule comes from two machines, an Intel Xeon with the flag (fast) and an AMD
     * EPYC without it (hundreds of times slower). CPUs with only AMX-FP16, and ARM CPUs, are unchecked.
     */
    public Optional<Boolean> hasFloat16Arithmetic() {
        return hasFlag("avx512_fp16");
    }

    private static CpuInfo read() {
        String windows = System.getenv("PROCESSOR_IDENTIFIER");
        if (windows != null) {
            return new CpuInfo(vendorIn(windows), Optional.of(windows.trim()), Optional.empty());
        }
        if (!Files.isReadable(CPUINFO)) {
            return new CpuInfo(Optional.empty(), Optional.empty(), Optional.empty());
        }
        try (var lines = Files.lines(CPUINFO)) {
            return parse(lines.limit(200).toList());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not read the CPU's vendor and flags from {}: {}", CPUINFO, e.toString());
            return new CpuInfo(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /** Reads the first processor's {@code vendor_id}, {@code model name} and {@code flags} lines of {@code /proc/cpuinfo} text. */
    static CpuInfo parse(List<String> lines) {
        return new CpuInfo(field(lines, "vendor_id"), field(lines, "model name"), field(lines, "flags")
                .map(value -> Arrays.stream(value.split("\\s+")).collect(Collectors.toUnmodifiableSet())));
    }

    private static Optional<String> field(List<String> lines, String name) {
        return lines.stream()
                .filter(line -> line.startsWith(name) && line.indexOf(':') > 0
                        && line.substring(0, line.indexOf(':')).trim().equals(name))
                .findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim());
    }

    /** Returns the vendor named in a Windows {@code PROCESSOR_IDENTIFIER}. */
    static Optional<String> vendorIn(String text) {
        for (String name : new String[] {"GenuineIntel", "AuthenticAMD", "HygonGenuine"}) {
            if (text.contains(name)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }
}
