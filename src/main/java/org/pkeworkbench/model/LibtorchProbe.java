package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks once per process that the loaded libtorch works with DJL's JNI library.
 *
 * <p>DJL 0.36's JNI library is compiled against libtorch 2.7.1 and reads libtorch's tensor
 * objects with 2.7.1's memory layout. Pointed at another libtorch with {@code PYTORCH_LIBRARY_PATH}
 * (Python torch's {@code lib} folder is a common choice), it still loads, but reads wrong fields:
 * with torch 2.13 every array creation fails with messages such as "DataType mismatch, Required
 * float, Actual int8" or "set_stride is not allowed on a Tensor created from .data or .detach()",
 * which do not name the cause. The probe turns that into one error that names the folder,
 * the version found there and what to do.
 *
 * <p>The probe creates a {@code [2, 3]} float32 array from known values and reads back its type,
 * shape and sum. It runs before the first model is loaded, after MKL's code path is set (see
 * {@link MklCodePath}), since it is the process's first computation.
 */
public final class LibtorchProbe {

    private static final Logger LOG = LoggerFactory.getLogger(LibtorchProbe.class);

    /** The libtorch version that DJL's JNI library is built for. */
    public static final String EXPECTED_VERSION = "2.7.1";

    private static final Pattern PYTHON_VERSION = Pattern.compile("__version__\\s*=\\s*['\"]([^'\"]+)['\"]");

    private static final float[] VALUES = {1, 2, 3, 4, 5, 6};

    private static boolean passed;

    private LibtorchProbe() {}

    /**
     * Runs the probe unless it passed before in this process.
     *
     * @throws UnusableLibtorchException when an array cannot be created and read back
     */
    public static synchronized void check() {
        if (passed) {
            return;
        }
        Optional<String> problem = probe();
        if (problem.isPresent()) {
            Path dir = libtorchDir();
            UnusableLibtorchException error = new UnusableLibtorchException(message(dir, versionIn(dir), problem.get()));
            LOG.error("libtorch probe failed: {}", error.getMessage());
            throw error;
        }
        passed = true;
        LOG.debug("libtorch probe passed");
    }

    /** Creates and reads back a small array, and returns what went wrong, or empty when nothing did. */
    private static Optional<String> probe() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDArray array = manager.create(VALUES, new Shape(2, 3));
            if (array.getDataType() != DataType.FLOAT32) {
                return Optional.of("a float32 array came back as " + array.getDataType());
            }
            if (!array.getShape().equals(new Shape(2, 3))) {
                return Optional.of("an array of shape (2, 3) came back as " + array.getShape());
            }
            float sum = array.sum().getFloat();
            if (sum != 21f) {
                return Optional.of("the sum of 1 to 6 came back as " + sum);
            }
            float[] back = array.toFloatArray();
            if (!Arrays.equals(back, VALUES)) {
                return Optional.of("the values 1 to 6 came back as " + Arrays.toString(back));
            }
            return Optional.empty();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            LOG.debug("libtorch probe failed", e);
            // libtorch's messages run over several lines and may end in a period. The first line names the failure.
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()).strip();
            return Optional.of("creating a float32 array failed: " + first.replaceAll("\\.+$", ""));
        }
    }

    /**
     * Builds the error message for a failed probe.
     *
     * @param dir folder libtorch was loaded from
     * @param version libtorch version found in that folder's parent, if any
     * @param problem what the probe saw
     */
    static String message(Path dir, Optional<String> version, String problem) {
        String found = version.map(value -> "libtorch " + value).orElse("a libtorch of unknown version");
        return "The libtorch in " + dir + " (" + found + ") does not work with DJL " + Engine.getDjlVersion()
                + ", whose JNI library is built for libtorch " + EXPECTED_VERSION + ": " + problem + ". Point "
                + "PYTORCH_LIBRARY_PATH at the lib folder of libtorch " + EXPECTED_VERSION + " (the CPU build, or a "
                + "CUDA build such as cu128 for a GPU, with PYTORCH_FLAVOR set to match), or unset it to use the "
                + "bundled CPU build. See docs/gpu.md.";
    }

    /**
     * Reads the libtorch version that a distribution records next to {@code libDir}: the
     * {@code build-version} file of a libtorch archive ({@code libtorch/lib/../build-version}), or
     * {@code version.py} of a Python torch package ({@code torch/lib/../version.py}).
     *
     * @return the version, for example {@code 2.7.1+cu128}, or empty when neither file is there
     */
    public static Optional<String> versionIn(Path libDir) {
        Path parent = libDir.toAbsolutePath().normalize().getParent();
        if (parent == null) {
            return Optional.empty();
        }
        try {
            Path buildVersion = parent.resolve("build-version");
            if (Files.isRegularFile(buildVersion)) {
                String value = Files.readString(buildVersion, StandardCharsets.UTF_8).strip();
                return value.isEmpty() ? Optional.empty() : Optional.of(value);
            }
            Path versionPy = parent.resolve("version.py");
            if (Files.isRegularFile(versionPy)) {
                Matcher matcher = PYTHON_VERSION.matcher(Files.readString(versionPy, StandardCharsets.UTF_8));
                return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
            }
        } catch (IOException e) {
            LOG.warn("Could not read the libtorch version next to {}: {}", libDir, e.toString());
        }
        return Optional.empty();
    }

    /** Returns the folder DJL loaded libtorch from, or PYTORCH_LIBRARY_PATH when DJL cannot say. */
    static Path libtorchDir() {
        try {
            return Path.of(LibUtils.getLibtorchPath()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            LOG.warn("Could not find the libtorch folder: {}", e.toString());
            return Path.of(String.valueOf(System.getenv("PYTORCH_LIBRARY_PATH")));
        }
    }

    /** Thrown when the loaded libtorch cannot create and read back an array through DJL's JNI library. */
    public static final class UnusableLibtorchException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnusableLibtorchException(String message) {
            super(message);
        }
    }
}
