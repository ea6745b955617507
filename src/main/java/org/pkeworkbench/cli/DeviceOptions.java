package org.pkeworkbench.cli;

import ai.djl.Device;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DeviceChoice;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code --device} and {@code --dtype} options of every command that loads a model. */
final class DeviceOptions {

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
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

    /** Returns {@code --device} as given: auto, cpu or gpu. */
    String request() {
        return device;
    }

    /** Returns the type that {@code --dtype} names. */
    ComputeDType dtype() {
        return dtype.value();
    }
}
