package org.pkeworkbench.cli;

import ai.djl.Device;
import java.util.Locale;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LibtorchThreads;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code --device}, {@code --dtype} and {@code --threads} options of every command that loads a model. */
final class DeviceOptions {

    @Option(names = "--device", defaultValue = "auto", converter = DeviceName.class,
            description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Mixin
    DtypeOption dtype = new DtypeOption();

    @Option(names = "--threads", paramLabel = "N", converter = ThreadCount.class,
            description = "libtorch threads per operation on the CPU, from 1 to the machine's processors (default: one "
                    + "per core). When other programs "
                    + "keep cores busy, fewer threads are faster; see docs/benchmarks.md, \"A busy CPU\".")
    Integer threads;

    /**
     * Applies {@code --threads}, then returns the device that {@code --device} names, and logs why
     * it was chosen.
     *
     * @throws IllegalArgumentException for an unknown value, or for gpu when no GPU is usable
     */
    Device resolve() {
        applyThreads();
        return DeviceChoice.resolve(device);
    }

    /** Sets libtorch's threads to {@code --threads} when it is given, which loads libtorch. */
    void applyThreads() {
        if (threads != null) {
            LibtorchThreads.set(threads);
        }
    }

    /** Returns {@code --device} in lower case: auto, cpu or gpu. */
    String request() {
        return device;
    }

    /** Returns the type that {@code --dtype} names. */
    ComputeDType dtype() {
        return dtype.value();
    }

    /**
     * A converter that accepts a thread count from 1 to the machine's processors, so that picocli
     * rejects another before any work.
     */
    static final class ThreadCount implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int threads = NumberConverters.wholeNumber(value);
            // picocli puts "Invalid value for option '--threads': " before the message.
            LibtorchThreads.problem("the thread count", threads).ifPresent(problem -> {
                throw new TypeConversionException(problem);
            });
            return threads;
        }
    }

    /** A converter that accepts auto, cpu and gpu in any letter case, so that picocli rejects another value before any work. */
    static final class DeviceName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String name = value.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("auto") && !name.equals("cpu") && !name.equals("gpu")) {
                throw new TypeConversionException("Unknown device '" + value + "'; use auto, cpu or gpu");
            }
            return name;
        }
    }
}
