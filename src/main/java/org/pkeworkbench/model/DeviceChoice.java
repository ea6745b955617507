package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * A chosen device and why it was chosen, in words for the user.
     *
     * @param device where the model runs
     * @param reason for example "GPU 0 of 2, found by libtorch" or why no GPU is used
     */
    public record Decision(Device device, String reason) {}

    /**
     * Resolves {@code "auto"}, {@code "cpu"} or {@code "gpu"} to a device.
     *
     * @throws IllegalArgumentException for another value, or for {@code "gpu"} when no GPU is usable
     */
    public static Device resolve(String request) {
        return decide(request).device();
    }

    /**
     * Resolves like {@link #resolve(String)} and returns the reason, so a user can see why the GPU is not used.
     *
     * @throws IllegalArgumentException for another value, or for {@code "gpu"} when no GPU is usable
     * @throws LibtorchProbe.UnusableLibtorchException when libtorch cannot be loaded or does not work
     */
    public static Decision decide(String request) {
        String value = request == null ? "auto" : request.trim().toLowerCase(java.util.Locale.ROOT);
        // A libtorch that cannot be loaded or computes wrong arrays stops here, with its own message,
        // rather than reading as a machine without a GPU. MKL's code path must be set before the probe computes.
        MklCodePath.apply();
        LibtorchProbe.check();
        int gpus = gpuCount();
        Decision decision;
        switch (value) {
            case "cpu":
                decision = new Decision(Device.cpu(), gpus > 0
                        ? "CPU, as requested; libtorch also sees " + gpus + " CUDA GPU(s)"
                        : "CPU, as requested");
                break;
            case "gpu":
                if (gpus == 0) {
                    throw new IllegalArgumentException("Device 'gpu' was requested but libtorch sees no CUDA GPU. "
                            + noGpuHint() + " Otherwise choose device 'cpu' or 'auto'.");
                }
                decision = new Decision(Device.gpu(), "GPU 0 of " + gpus + ", as requested");
                break;
            case "auto":
                decision = gpus > 0
                        ? new Decision(Device.gpu(), "GPU 0 of " + gpus + ", found by libtorch")
                        : new Decision(Device.cpu(), "CPU: libtorch sees no CUDA GPU. " + noGpuHint());
                break;
            default:
                throw new IllegalArgumentException("Unknown device '" + request + "'; use auto, cpu or gpu");
        }
        // Every command logs this line, so it keeps the reason's first sentence. The set-up steps
        // that follow stay in the decision, for the model panel and error messages.
        String reason = decision.reason();
        int end = reason.indexOf(". ");
        LOG.info("Using {}: {}", decision.device(), end > 0 ? reason.substring(0, end + 1) + " See docs/gpu.md." : reason);
        return decision;
    }

    /** The set-up steps shown when the loaded libtorch is a CPU build and so finds no GPU. */
    static final String NO_GPU_HINT = "The bundled libtorch is the CPU build. To use an NVIDIA GPU, install its driver "
            + "and the CUDA build of libtorch 2.7.1, then start Java with -DPYTORCH_LIBRARY_PATH=<that libtorch's lib "
            + "folder> -DPYTORCH_VERSION=2.7.1 -DPYTORCH_FLAVOR=cu128 (the CUDA version of that build); the installed "
            + "app reads the environment variables PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR instead (docs/gpu.md in "
            + "the sources).";

    /**
     * Returns {@link #noGpuHint(Path)} for the folder DJL loaded libtorch from, after a warning when
     * DJL ignored PYTORCH_LIBRARY_PATH or PYTORCH_FLAVOR.
     */
    static String noGpuHint() {
        StringBuilder hint = new StringBuilder();
        LibtorchProbe.ignoredOverride().ifPresent(ignored -> hint.append(ignored).append(' '));
        LibtorchProbe.flavorMismatch().ifPresent(mismatch -> hint.append(mismatch).append(' '));
        return hint.append(noGpuHint(LibtorchProbe.libtorchDir())).toString();
    }

    /**
     * Returns the set-up steps for a libtorch in {@code dir} that finds no GPU: for a CUDA build (one
     * with libtorch_cuda), what to check on the machine; for a CPU build of the user's own
     * (PYTORCH_LIBRARY_PATH), that it is one; else {@link #NO_GPU_HINT} for the bundled CPU build.
     */
    static String noGpuHint(Path dir) {
        if (Files.exists(dir.resolve(System.mapLibraryName("torch_cuda")))) {
            return "The libtorch in " + dir + " is a CUDA build, but CUDA reports no usable GPU: check that the "
                    + "NVIDIA driver is installed and lists the GPU (nvidia-smi), and that CUDA_VISIBLE_DEVICES does "
                    + "not hide it.";
        }
        if (LibtorchProbe.requestedFolderInUse()) {
            return "The libtorch in " + dir + " (PYTORCH_LIBRARY_PATH) is a CPU build: it has no "
                    + System.mapLibraryName("torch_cuda") + ". To use an NVIDIA GPU, point PYTORCH_LIBRARY_PATH at the "
                    + "lib folder of a CUDA build of libtorch 2.7.1, with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR set to "
                    + "its CUDA version, such as cu128 (docs/gpu.md in the sources).";
        }
        return NO_GPU_HINT;
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
