package org.pkeworkbench.cli;

import ai.djl.Device;
import java.util.Locale;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DeviceChoice;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code --device} and {@code --dtype} options of every command that loads a model. */
final class DeviceOptions {

    @Option(names = "--device", defaultValue = "auto", converter = DeviceName.class,
            description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Mixin
    DtypeOption dtype = new DtypeOption();

    /**
     * Returns the device that {@code --device} names, and logs why it was chosen.
     *
     * @throws IllegalArgumentException for an unknown value, or for gpu when no GPU is usable
     */
    Device resolve() {
        return DeviceChoice.resolve(device);
    }

    /** Returns {@code --device} in lower case: auto, cpu or gpu. */
    String request() {
        return device;
    }

    /** Returns the type that {@code --dtype} names. */
    ComputeDType dtype() {
        return dtype.value();
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
