package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the device a model runs on: the first GPU when libtorch sees one, else the CPU, unless
 * the user names one.
 */
public final class DeviceChoice {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

    private DeviceChoice() {}

    /**
     * Resolves {@code "auto"}, {@code "cpu"} or {@code "gpu"} to a device.
     *
     * @throws IllegalArgumentException for another value, or for {@code "gpu"} when no GPU is usable
     */
    public static Device resolve(String request) {
        String value = request == null ? "auto" : request.trim().toLowerCase(java.util.Locale.ROOT);
        int gpus = gpuCount();
        switch (value) {
            case "cpu":
                LOG.info("Using the CPU, as requested");
                return Device.cpu();
            case "gpu":
                if (gpus == 0) {
                    throw new IllegalArgumentException("--device gpu was requested but libtorch sees no CUDA GPU; "
                            + "use a CUDA build of libtorch (see docs) or --device cpu");
                }
                LOG.info("Using GPU 0 of {}, as requested", gpus);
                return Device.gpu();
            case "auto":
                if (gpus > 0) {
                    LOG.info("Using GPU 0 of {} (found by libtorch)", gpus);
                    return Device.gpu();
                }
                LOG.info("Using the CPU: libtorch sees no CUDA GPU");
                return Device.cpu();
            default:
                throw new IllegalArgumentException("Unknown device '" + request + "'; use auto, cpu or gpu");
        }
    }

    private static int gpuCount() {
        try {
            return Engine.getInstance().getGpuCount();
        } catch (RuntimeException e) {
            LOG.warn("Could not count GPUs, using the CPU: {}", e.toString());
            return 0;
        }
    }
}
