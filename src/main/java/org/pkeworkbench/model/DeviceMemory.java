package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory in use on a CUDA GPU, as the CUDA runtime reports it (total minus free memory). The value
 * counts every process on that GPU. libtorch's caching allocator keeps freed blocks for reuse, so
 * after a task the value stays near the most that the task held at once.
 *
 * <p>Example: {@code DeviceMemory.read(model.device()).ifPresent(m -> log(m.usedBytes()))}
 */
public final class DeviceMemory {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceMemory.class);

    private DeviceMemory() {}

    /**
     * One reading of a GPU's memory.
     *
     * @param usedBytes memory in use on the GPU, by every process
     * @param totalBytes the GPU's memory
     */
    public record Reading(long usedBytes, long totalBytes) {}

    /**
     * Reads the memory of a GPU; empty for the CPU, and where the CUDA runtime library cannot be
     * loaded or returns an error (the reason is logged at debug level).
     */
    public static Optional<Reading> read(Device device) {
        if (!device.isGpu()) {
            return Optional.empty();
        }
        try {
            MemoryUsage usage = CudaUtils.getGpuMemory(device);
            return Optional.of(new Reading(usage.getUsed(), usage.getMax()));
        } catch (RuntimeException | LinkageError e) {
            // The model panel reads this every few seconds: a debug line per failure, not a warning each time.
            LOG.debug("Could not read the memory of {}: {}", device, e.toString());
            return Optional.empty();
        }
    }
}
