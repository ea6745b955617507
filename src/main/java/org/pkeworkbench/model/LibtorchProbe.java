package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks once per process that libtorch loads and works with DJL's JNI library.
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
 * shape, sum and values. It runs before the first model is loaded, after MKL's code path is set (see
 * {@link MklCodePath}), since it is the process's first computation.
 */
public final class LibtorchProbe {

    private static final Logger LOG = LoggerFactory.getLogger(LibtorchProbe.class);

    /** Name of the environment variable or system property that points DJL at a libtorch folder. */
    public static final String LIBRARY_PATH = "PYTORCH_LIBRARY_PATH";

    /** The libtorch version that DJL's JNI library is built for. */
    public static final String EXPECTED_VERSION = "2.7.1";

    private static final Pattern PYTHON_VERSION = Pattern.compile("__version__\\s*=\\s*['\"]([^'\"]+)['\"]");

    private static final float[] VALUES = {1, 2, 3, 4, 5, 6};

    /** A loader message about one of libtorch's CUDA libraries that is missing, such as libc10_cuda.so. */
    private static final Pattern CUDA_LIBRARY = Pattern.compile("(lib(?:c10|torch)_cuda\\.so)[^:]*: cannot open shared object");

    private static boolean passed;

    private LibtorchProbe() {}

    /**
     * Runs the probe unless it passed before in this process.
     *
     * @throws UnusableLibtorchException when libtorch cannot be loaded, or an array cannot be created and read back
     */
    public static synchronized void check() {
        if (passed) {
            return;
        }
        Optional<String> loadFailure = loadFailure();
        Optional<String> problem = loadFailure.isPresent() ? Optional.empty() : probe();
        if (loadFailure.isPresent() || problem.isPresent()) {
            Path dir = libtorchDir();
            Optional<String> version = versionIn(dir);
            String message = loadFailure.isPresent() ? loadMessage(dir, version, loadFailure.get())
                    : message(dir, version, problem.get());
            LOG.error("libtorch probe failed: {}", message);
            throw new UnusableLibtorchException(message);
        }
        passed = true;
        LOG.debug("libtorch probe passed");
        warnings().forEach(LOG::warn);
    }

    /**
     * Returns the warnings about libtorch settings that a loaded, working libtorch can still have:
     * {@link #ignoredOverride()}, {@link #flavorMismatch()} and {@link #versionMismatch()}.
     * Commands log them; {@code self-check} also prints them.
     */
    public static List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        ignoredOverride().ifPresent(warnings::add);
        flavorMismatch().ifPresent(warnings::add);
        versionMismatch().ifPresent(warnings::add);
        return warnings;
    }

    /**
     * Describes a version that DJL reports (PYTORCH_VERSION, else 2.7.1) other than the version
     * recorded beside the loaded libtorch. DJL picks its JNI library by the reported version, so a
     * wrong PYTORCH_VERSION can load a JNI library built for another libtorch.
     *
     * @return the warning, or empty when the versions agree or none is recorded
     */
    public static Optional<String> versionMismatch() {
        Path dir = libtorchDir();
        String reported = Engine.getEngine("PyTorch").getVersion();
        return versionIn(dir).filter(recorded -> !recorded.startsWith(reported)).map(recorded -> "DJL reports "
                + "libtorch " + reported + " (PYTORCH_VERSION), but " + dir + " records version " + recorded + "; set "
                + "PYTORCH_VERSION to that version without its suffix, so that DJL loads the JNI library built for it.");
    }

    /**
     * Describes a CUDA PYTORCH_FLAVOR (such as cu128) next to a libtorch that is a CPU build (no
     * libtorch_cuda.so in its folder). Without PYTORCH_LIBRARY_PATH, DJL loads its bundled CPU build
     * whatever the flavor names. A folder of the user's own may be a CPU build by mistake.
     *
     * @return the warning, or empty when the flavor is unset or not a CUDA one, libtorch is a CUDA
     *     build, or {@link #ignoredOverride()} already warns about the folder
     */
    public static Optional<String> flavorMismatch() {
        String flavor = Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR");
        if (flavor == null || !flavor.startsWith("cu")) {
            return Optional.empty();
        }
        Path loaded = libtorchDir();
        if (Files.exists(loaded.resolve(System.mapLibraryName("torch_cuda")))) {
            return Optional.empty();
        }
        String requested = Utils.getEnvOrSystemProperty(LIBRARY_PATH);
        if (requested == null || requested.isBlank()) {
            return Optional.of("PYTORCH_FLAVOR is " + flavor + ", but " + LIBRARY_PATH + " is unset, so DJL loaded the "
                    + "CPU build in " + loaded + "; set " + LIBRARY_PATH + " to the lib folder of a " + flavor
                    + " libtorch.");
        }
        if (ignoredOverride().isPresent()) {
            // That warning already covers a folder DJL did not use.
            return Optional.empty();
        }
        return Optional.of("PYTORCH_FLAVOR is " + flavor + ", but the libtorch in " + loaded + " is a CPU build (it has "
                + "no " + System.mapLibraryName("torch_cuda") + "), so it finds no GPU; set PYTORCH_FLAVOR to cpu for "
                + "it, or point " + LIBRARY_PATH + " at the lib folder of a " + flavor + " libtorch.");
    }

    /** Returns whether PYTORCH_LIBRARY_PATH is set and DJL loaded libtorch from it. */
    public static boolean requestedFolderInUse() {
        String requested = Utils.getEnvOrSystemProperty(LIBRARY_PATH);
        return requested != null && !requested.isBlank() && ignoredOverride().isEmpty();
    }

    /**
     * Describes a PYTORCH_LIBRARY_PATH that DJL did not use. DJL skips a folder without
     * {@code libtorch.so} without a word and loads its bundled CPU build instead, so a mistyped
     * path would otherwise look like a machine without a GPU.
     *
     * @return a warning that names the path and the folder libtorch came from, or empty when
     *     PYTORCH_LIBRARY_PATH is unset or was used
     */
    public static Optional<String> ignoredOverride() {
        String requested = Utils.getEnvOrSystemProperty(LIBRARY_PATH);
        if (requested == null || requested.isBlank()) {
            return Optional.empty();
        }
        Path loaded = libtorchDir();
        Path loadedReal = real(loaded);
        boolean used = Arrays.stream(requested.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .anyMatch(entry -> real(Path.of(entry)).equals(loadedReal));
        if (used) {
            return Optional.empty();
        }
        boolean missing = Arrays.stream(requested.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .noneMatch(entry -> Files.isDirectory(Path.of(entry)));
        String reason = missing ? requested + " does not exist" : "that path contains no " + System.mapLibraryName("torch");
        return Optional.of(LIBRARY_PATH + " is " + requested + ", but DJL loaded libtorch from " + loaded
                + ", because " + reason + "; point it at the lib folder of a libtorch.");
    }

    /** Returns the path with links resolved when it exists, so that a linked folder counts as the same one. */
    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** Starts DJL's PyTorch engine, and returns the root cause's message when libtorch cannot be loaded. */
    private static Optional<String> loadFailure() {
        try {
            Engine.getEngine("PyTorch");
            return Optional.empty();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            LOG.debug("libtorch could not be loaded", e);
            return Optional.of(firstLine(rootCause(e)));
        }
    }

    /** Returns the innermost cause of {@code error}: DJL wraps the loader's message, which names the missing file. */
    public static Throwable rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
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
            return Optional.of("creating a float32 array failed: " + firstLine(e));
        }
    }

    /**
     * Returns the first line of the error's message without a final period, because libtorch's
     * messages run over many lines.
     */
    private static String firstLine(Throwable error) {
        String first = String.valueOf(error.getMessage()).lines().findFirst().orElse(error.toString()).strip();
        return first.replaceAll("\\.+$", "");
    }

    /**
     * Builds the error message for a libtorch that loads but computes wrong arrays.
     *
     * @param dir folder libtorch was loaded from
     * @param version libtorch version found in that folder's parent, if any
     * @param problem what the probe saw
     */
    static String message(Path dir, Optional<String> version, String problem) {
        return "The libtorch in " + dir + " (" + describe(version) + ") does not work with DJL " + Engine.getDjlVersion()
                + ", whose JNI library is built for libtorch " + EXPECTED_VERSION + ": " + problem + ". Point "
                + "PYTORCH_LIBRARY_PATH at the lib folder of libtorch " + EXPECTED_VERSION + " (the CPU build, or a "
                + "CUDA build such as cu128 for a GPU, with PYTORCH_FLAVOR set to match), or unset it to use the "
                + "bundled CPU build. To use this libtorch, rebuild DJL's JNI library for it and set PYTORCH_VERSION to "
                + "its version (docs/gpu.md, "
                + "\"Another libtorch version\").";
    }

    /**
     * Builds the error message for a libtorch that cannot be loaded.
     *
     * @param dir folder DJL tried to load libtorch from
     * @param version libtorch version found in that folder's parent, if any
     * @param cause the loader's message, for example a missing library
     */
    static String loadMessage(Path dir, Optional<String> version, String cause) {
        return "The libtorch in " + dir + " (" + describe(version) + ") could not be loaded: " + cause + ". "
                + loadAdvice(cause) + "Check that the folder holds all of libtorch's libraries, or point "
                + "PYTORCH_LIBRARY_PATH at the lib folder of libtorch " + EXPECTED_VERSION + ", or unset it to use the "
                + "bundled CPU build. See docs/gpu.md.";
    }

    /**
     * Returns advice for a load failure whose {@code cause} DJL or the loader names in a known way,
     * followed by a space, or an empty string for other causes.
     *
     * @param cause the root cause's message
     */
    public static String loadAdvice(String cause) {
        Matcher cudaLibrary = CUDA_LIBRARY.matcher(cause);
        if (cudaLibrary.find()) {
            return "The JNI library for PYTORCH_FLAVOR=" + setting("PYTORCH_FLAVOR") + " is a CUDA build and needs "
                    + "libtorch's CUDA libraries, but the folder has no " + cudaLibrary.group(1) + ", so it is "
                    + "probably a CPU build: set PYTORCH_FLAVOR to cpu for it, or point " + LIBRARY_PATH + " at a CUDA "
                    + "build of libtorch. ";
        }
        if (cause.contains("libcuda.so")) {
            return "This libtorch is a CUDA build, which needs libcuda.so.1 from the NVIDIA driver: install the "
                    + "driver, or use a CPU build of libtorch. ";
        }
        if (cause.startsWith("Unexpected version")) {
            return "PYTORCH_VERSION must be three numbers such as " + EXPECTED_VERSION + ", without a suffix such as "
                    + "+cpu. ";
        }
        if (cause.contains("jnilib/") || cause.contains("libdjl_torch") || cause.contains("Offline mode")
                || cause.contains("jni files")) {
            String requested = Utils.getEnvOrSystemProperty(LIBRARY_PATH);
            // Without a folder of the user's own, the bundled build is almost always what was meant.
            String bundled = requested == null || requested.isBlank()
                    ? LIBRARY_PATH + " is unset, so DJL can only use its bundled CPU build of libtorch " + EXPECTED_VERSION
                            + ", which needs PYTORCH_VERSION and PYTORCH_FLAVOR unset (or " + EXPECTED_VERSION + " and cpu): "
                            + "unset them to use it. "
                    : "";
            return bundled + "DJL found no JNI library for PYTORCH_FLAVOR=" + setting("PYTORCH_FLAVOR") + " and PYTORCH_VERSION="
                    + setting("PYTORCH_VERSION") + ". For libtorch " + EXPECTED_VERSION + ", set PYTORCH_FLAVOR to the "
                    + "build's flavor (cpu, or cu128 for the CUDA 12.8 build) and PYTORCH_VERSION to " + EXPECTED_VERSION
                    + ". For a JNI library rebuilt for another version, DJL looks for "
                    + expectedJniPath(settingInPath("PYTORCH_VERSION", "VERSION"), settingInPath("PYTORCH_FLAVOR", "FLAVOR"))
                    + " (docs/gpu.md, \"Another libtorch version\"). ";
        }
        return "";
    }

    /** Returns where DJL looks for a JNI library that is not in the libtorch folder: its cache folder. */
    private static Path expectedJniPath(String version, String flavor) {
        String platform = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux")
                ? "linux-" + (System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"))
                : "<platform>";
        return Utils.getEngineCacheDir("pytorch").resolve(version + "-" + flavor + "-" + platform)
                .resolve(Engine.getDjlVersion() + "-" + System.mapLibraryName("djl_torch"));
    }

    /**
     * Returns the JNI library file this process loaded, read from {@code /proc/self/maps}, so that a
     * result records which build of DJL's JNI library computed it.
     *
     * @return the file, or empty outside Linux or before the engine loads
     */
    public static Optional<String> loadedJniLibrary() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        String name = System.mapLibraryName("djl_torch");
        try (java.util.stream.Stream<String> lines = Files.lines(maps)) {
            // Each line ends in the mapped file's absolute path, when the mapping has a file.
            return lines.filter(line -> line.endsWith(name) && line.indexOf('/') >= 0)
                    .map(line -> line.substring(line.indexOf('/')))
                    .findFirst();
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("Could not read {}: {}", maps, e.toString());
            return Optional.empty();
        }
    }

    private static String setting(String name) {
        String value = Utils.getEnvOrSystemProperty(name);
        return value == null ? "(unset)" : value;
    }

    /** Returns the setting, or a placeholder in capitals that a user replaces, for a path built from it. */
    private static String settingInPath(String name, String placeholder) {
        String value = Utils.getEnvOrSystemProperty(name);
        return value == null ? placeholder : value;
    }

    private static String describe(Optional<String> version) {
        return version.map(value -> "libtorch " + value).orElse("a libtorch of unknown version");
    }

    /**
     * Reads the libtorch version that a distribution records next to {@code libDir}: the
     * {@code build-version} file of a libtorch archive ({@code libtorch/lib/../build-version}), or
     * {@code version.py} of a Python torch package ({@code torch/lib/../version.py}).
     *
     * @return the version, for example {@code 2.7.1+cu128}, or empty when neither file is there
     */
    public static Optional<String> versionIn(Path libDir) {
        Path parent = real(libDir).getParent();
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

    /**
     * Describes the loaded libtorch for reports and benchmark records, so that a result records which
     * libtorch produced it.
     *
     * @return {@code djl} (DJL's version), {@code reported_version} (the version DJL reports:
     *     PYTORCH_VERSION, else 2.7.1), {@code recorded_version} (from the folder's parent, or null),
     *     {@code folder}, {@code cuda_build} (whether the folder has libtorch_cuda) and {@code jni_library}
     *     (the loaded JNI library file, or null where it cannot be read)
     */
    public static Map<String, Object> summary() {
        Path dir = libtorchDir();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("djl", Engine.getDjlVersion());
        summary.put("reported_version", Engine.getEngine("PyTorch").getVersion());
        summary.put("recorded_version", versionIn(dir).orElse(null));
        summary.put("folder", dir.toString());
        summary.put("cuda_build", Files.exists(dir.resolve(System.mapLibraryName("torch_cuda"))));
        summary.put("jni_library", loadedJniLibrary().orElse(null));
        return summary;
    }

    /** Returns the folder DJL loaded libtorch from, or PYTORCH_LIBRARY_PATH when DJL cannot report it. */
    static Path libtorchDir() {
        try {
            return Path.of(LibUtils.getLibtorchPath()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            LOG.warn("Could not find the libtorch folder: {}", e.toString());
            return Path.of(String.valueOf(Utils.getEnvOrSystemProperty(LIBRARY_PATH)));
        }
    }

    /** Thrown when libtorch cannot be loaded, or cannot create and read back an array through DJL's JNI library. */
    public static final class UnusableLibtorchException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnusableLibtorchException(String message) {
            super(message);
        }
    }
}
