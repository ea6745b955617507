package org.pkeworkbench.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.pkeworkbench.model.LibtorchProbe;
import org.pkeworkbench.model.MklCodePath;

/**
 * The PyTorch engine as DJL loaded it: versions and the folder libtorch was loaded from.
 *
 * @param engineName DJL's name of the engine ({@code PyTorch})
 * @param libtorchVersion version of the loaded libtorch, e.g. {@code 2.7.1}
 * @param djlVersion version of DJL's API jar
 * @param libtorchDir folder holding the loaded libtorch libraries
 * @param source where {@link #libtorchDir} came from, in words
 * @param foundVersion version that the libtorch distribution records beside {@link #libtorchDir}, if any
 *     (see {@link LibtorchProbe#versionIn}); {@link #libtorchVersion} is the version DJL expects
 */
record LibtorchInfo(String engineName, String libtorchVersion, String djlVersion, Path libtorchDir, String source,
        Optional<String> foundVersion) {

    /** Name of the environment variable or system property that points DJL at a libtorch folder. */
    static final String LIBRARY_PATH = LibtorchProbe.LIBRARY_PATH;

    /**
     * Loads the PyTorch engine (and with it libtorch), checks that it works with DJL's JNI library
     * ({@link LibtorchProbe}) and describes it.
     *
     * @throws IllegalStateException when libtorch cannot be loaded or does not work, naming the folder
     */
    static LibtorchInfo load() {
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            String cause = rootMessage(e);
            Optional<String> folder = folderWithoutLibtorch();
            if (folder.isPresent()) {
                // The folder is the cause, so it comes first. DJL's message (often "Offline mode is enabled") follows from it.
                throw new IllegalStateException("libtorch could not be loaded: " + folder.get() + " (DJL: " + cause
                        + ")", e);
            }
            throw new IllegalStateException("libtorch could not be loaded (" + cause + "). "
                    + LibtorchProbe.loadAdvice(cause) + overrideHint(), e);
        }
        MklCodePath.apply();
        LibtorchProbe.check();
        Path dir = Path.of(LibUtils.getLibtorchPath()).toAbsolutePath().normalize();
        return new LibtorchInfo(engine.getEngineName(), engine.getVersion(), Engine.getDjlVersion(), dir, source(dir),
                LibtorchProbe.versionIn(dir));
    }

    private static String source(Path dir) {
        // DJL reads the environment variable first, then the system property.
        String fromEnvironment = System.getenv(LIBRARY_PATH);
        String fromProperty = System.getProperty(LIBRARY_PATH);
        if (fromEnvironment != null && dir.equals(Path.of(fromEnvironment).toAbsolutePath().normalize())) {
            return "environment variable " + LIBRARY_PATH;
        }
        if (fromProperty != null && dir.equals(Path.of(fromProperty).toAbsolutePath().normalize())) {
            return "system property " + LIBRARY_PATH;
        }
        return "extracted into the DJL cache from the pytorch-native jar";
    }

    /**
     * Describes a PYTORCH_LIBRARY_PATH with no libtorch in any of its folders, or returns empty when
     * it is unset or one of its folders contains libtorch.
     */
    private static Optional<String> folderWithoutLibtorch() {
        String fromEnvironment = System.getenv(LIBRARY_PATH);
        String value = fromEnvironment != null ? fromEnvironment : System.getProperty(LIBRARY_PATH);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String library = System.mapLibraryName("torch");
        boolean holdsLibtorch = java.util.Arrays.stream(value.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .anyMatch(entry -> Files.isRegularFile(Path.of(entry).resolve(library)));
        if (holdsLibtorch) {
            return Optional.empty();
        }
        return Optional.of(LIBRARY_PATH + " is " + value + (fromEnvironment != null ? " (environment variable)"
                : " (system property)") + ", but " + (Files.isDirectory(Path.of(value.split(java.io.File.pathSeparator)[0]))
                ? "it contains no " + library : "that folder does not exist") + "; point it at the lib folder of libtorch "
                + LibtorchProbe.EXPECTED_VERSION + " (the folder with " + library + " and its companion libraries), or "
                + "unset it to use the bundled CPU build");
    }

    private static String overrideHint() {
        String fromEnvironment = System.getenv(LIBRARY_PATH);
        String fromProperty = System.getProperty(LIBRARY_PATH);
        if (fromEnvironment == null && fromProperty == null) {
            return LIBRARY_PATH + " is not set, so DJL looked for the pytorch-native jar on the class path; "
                    + "point " + LIBRARY_PATH + " at a folder holding " + System.mapLibraryName("torch");
        }
        String value = fromEnvironment != null ? fromEnvironment : fromProperty;
        String first = value.split(java.io.File.pathSeparator)[0];
        String recorded = first.isBlank() ? "" : LibtorchProbe.versionIn(Path.of(first))
                .map(version -> ", whose version file says " + version).orElse("");
        return LIBRARY_PATH + " is " + value + (fromEnvironment != null ? " (environment variable" : " (system property")
                + recorded + "); check that this folder holds " + System.mapLibraryName("torch") + " of libtorch "
                + LibtorchProbe.EXPECTED_VERSION + " (or of the version a rebuilt JNI library is for) and its companion "
                + "libraries";
    }

    private static String rootMessage(Throwable error) {
        Throwable root = LibtorchProbe.rootCause(error);
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
