package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibtorchProbeTest {

    @TempDir
    Path temp;

    @Test
    void bundledLibtorchPassesTheProbe() {
        assertDoesNotThrow(LibtorchProbe::check);
        // A second call returns at once; it must not fail either.
        assertDoesNotThrow(LibtorchProbe::check);
    }

    @Test
    void versionComesFromLibtorchArchiveBuildVersion() throws IOException {
        Path lib = Files.createDirectories(temp.resolve("libtorch/lib"));
        Files.writeString(temp.resolve("libtorch/build-version"), "2.7.1+cu128\n");

        assertEquals(Optional.of("2.7.1+cu128"), LibtorchProbe.versionIn(lib));
    }

    @Test
    void versionComesFromPythonTorchPackage() throws IOException {
        Path lib = Files.createDirectories(temp.resolve("site-packages/torch/lib"));
        Files.writeString(temp.resolve("site-packages/torch/version.py"),
                "from typing import Optional\n\n__version__ = '2.11.0+cu130'\ndebug = False\n");

        assertEquals(Optional.of("2.11.0+cu130"), LibtorchProbe.versionIn(lib));
    }

    @Test
    void versionFollowsLinkedLibFolder() throws IOException {
        Path lib = Files.createDirectories(temp.resolve("site-packages/torch/lib"));
        Files.writeString(temp.resolve("site-packages/torch/version.py"), "__version__ = '2.13.0+cpu'\n");
        Path link = Files.createSymbolicLink(temp.resolve("torch-lib"), lib);

        assertEquals(Optional.of("2.13.0+cpu"), LibtorchProbe.versionIn(link));
    }

    @Test
    void versionUnknownWithoutRecord() throws IOException {
        Path bare = Files.createDirectories(temp.resolve("cache/2.7.1-cpu-linux-x86_64"));
        Path empty = Files.createDirectories(temp.resolve("empty/lib"));
        Files.writeString(temp.resolve("empty/build-version"), "  \n");
        Path noAssignment = Files.createDirectories(temp.resolve("odd/torch/lib"));
        Files.writeString(temp.resolve("odd/torch/version.py"), "git_version = 'abc'\n");

        assertAll(
                () -> assertEquals(Optional.empty(), LibtorchProbe.versionIn(bare)),
                () -> assertEquals(Optional.empty(), LibtorchProbe.versionIn(empty)),
                () -> assertEquals(Optional.empty(), LibtorchProbe.versionIn(noAssignment)));
    }

    @Test
    void messageNamesFolderVersionsAndRemedy() {
        Path dir = temp.resolve("torch/lib");
        String message = LibtorchProbe.message(dir, Optional.of("2.13.0+cpu"),
                "creating a float32 array failed: DataType mismatch");
        String unknown = LibtorchProbe.message(dir, Optional.empty(), "the sum of 1 to 6 came back as 0.0");

        assertAll(
                () -> assertTrue(message.startsWith("The libtorch in " + dir + " (libtorch 2.13.0+cpu) does not work"),
                        message),
                () -> assertTrue(message.contains("built for libtorch 2.7.1: creating a float32 array failed: "
                        + "DataType mismatch. Point PYTORCH_LIBRARY_PATH at the lib folder of libtorch 2.7.1"),
                        message),
                () -> assertTrue(message.contains("or unset it to use the bundled CPU build"), message),
                () -> assertTrue(unknown.contains("(a libtorch of unknown version)"), unknown));
    }

    @Test
    void loadMessageAdvisesDriverForCudaBuild() {
        Path dir = temp.resolve("torch/lib");
        String cuda = LibtorchProbe.loadMessage(dir, Optional.of("2.14.1+cu130"),
                dir + "/libcaffe2_nvrtc.so: libcuda.so.1: cannot open shared object file: No such file or directory");
        String other = LibtorchProbe.loadMessage(dir, Optional.empty(), dir + "/libtorch.so: file too short");

        assertAll(
                () -> assertTrue(cuda.startsWith("The libtorch in " + dir + " (libtorch 2.14.1+cu130) could not be "
                        + "loaded: "), cuda),
                () -> assertTrue(cuda.contains("No such file or directory. This libtorch is a CUDA build, which needs "
                        + "libcuda.so.1 from the NVIDIA driver"), cuda),
                () -> assertTrue(cuda.endsWith("or unset it to use the bundled CPU build. See docs/gpu.md."), cuda),
                () -> assertTrue(other.contains("file too short. Check that the folder holds all of libtorch's "
                        + "libraries"), other),
                () -> assertEquals("", LibtorchProbe.loadAdvice("libtorch.so: file too short")));
    }

    @Test
    void loadAdviceNamesFlavorAndVersionSettings() {
        String missingJni = LibtorchProbe.loadAdvice(
                "Resource not found in classpath: jnilib/linux-x86_64/cpu-precxx11/libdjl_torch.so");
        String suffixed = LibtorchProbe.loadAdvice("Unexpected version: 2.13.0+cpu");

        assertAll(
                () -> assertTrue(missingJni.startsWith("PYTORCH_LIBRARY_PATH is unset, so DJL can only use its "
                        + "bundled CPU build of libtorch 2.7.1"), missingJni),
                () -> assertTrue(missingJni.contains("DJL found no JNI library for PYTORCH_FLAVOR="), missingJni),
                () -> assertTrue(missingJni.contains("set PYTORCH_FLAVOR to the build's flavor (cpu, or cu128"),
                        missingJni),
                () -> assertTrue(missingJni.contains("\"Another libtorch version\""), missingJni),
                () -> assertTrue(missingJni.contains("DJL looks for "), missingJni),
                () -> assertTrue(missingJni.contains("-linux-x86_64/0.36.0-libdjl_torch.so"), missingJni),
                () -> assertTrue(suffixed.startsWith("PYTORCH_VERSION must be three numbers such as 2.7.1"),
                        suffixed));
    }

    @Test
    void summaryDescribesBundledCpuBuild() {
        java.util.Map<String, Object> summary = LibtorchProbe.summary();

        assertAll(
                () -> assertEquals("2.7.1", summary.get("reported_version")),
                () -> assertEquals(null, summary.get("recorded_version")),
                () -> assertEquals(false, summary.get("cuda_build")),
                () -> assertTrue(String.valueOf(summary.get("jni_library")).endsWith("libdjl_torch.so"),
                        summary::toString),
                () -> assertTrue(Files.isDirectory(Path.of((String) summary.get("folder"))), summary::toString));
    }

    @Test
    void bundledLibtorchIsNoIgnoredOverride() {
        assertEquals(Optional.empty(), LibtorchProbe.ignoredOverride());
    }

    @Test
    void cudaFlavorOnCpuFolderAdvice() {
        String advice = LibtorchProbe.loadAdvice("/cache/2.7.1-cu128-linux-x86_64/0.36.0-libdjl_torch.so: "
                + "libc10_cuda.so: cannot open shared object file: No such file or directory");

        assertAll(
                () -> assertTrue(advice.contains("is a CUDA build and needs libtorch's CUDA libraries, but the folder "
                        + "has no libc10_cuda.so, so it is probably a CPU build"), advice),
                () -> assertTrue(advice.contains("set PYTORCH_FLAVOR to cpu for it"), advice),
                () -> assertFalse(advice.contains("DJL found no JNI library"), advice));
    }

    @Test
    void missingFolderAndFlavorWarnings() {
        // The warnings compare with the folder DJL loaded, so the engine must have started.
        LibtorchProbe.check();
        try {
            System.setProperty(LibtorchProbe.LIBRARY_PATH, temp.resolve("missing/lib").toString());
            String missing = LibtorchProbe.ignoredOverride().orElseThrow();
            System.clearProperty(LibtorchProbe.LIBRARY_PATH);
            System.setProperty("PYTORCH_FLAVOR", "cu128");
            String flavor = LibtorchProbe.flavorMismatch().orElseThrow();

            assertAll(
                    () -> assertTrue(missing.contains("because " + temp.resolve("missing/lib") + " does not exist"),
                            missing),
                    () -> assertTrue(flavor.startsWith("PYTORCH_FLAVOR is cu128, but PYTORCH_LIBRARY_PATH is unset, so "
                            + "DJL loaded the CPU build in "), flavor),
                    () -> assertTrue(LibtorchProbe.warnings().contains(flavor), LibtorchProbe.warnings()::toString));
        } finally {
            System.clearProperty(LibtorchProbe.LIBRARY_PATH);
            System.clearProperty("PYTORCH_FLAVOR");
        }
    }

    @Test
    void cudaFlavorOnOwnCpuFolderWarns() {
        // The bundled folder named in PYTORCH_LIBRARY_PATH stands for a CPU build of the user's own.
        LibtorchProbe.check();
        Path loaded = LibtorchProbe.libtorchDir();
        try {
            System.setProperty(LibtorchProbe.LIBRARY_PATH, loaded.toString());
            System.setProperty("PYTORCH_FLAVOR", "cu128");
            String warning = LibtorchProbe.flavorMismatch().orElseThrow();
            String hint = DeviceChoice.noGpuHint(loaded);

            assertAll(
                    () -> assertTrue(warning.startsWith("PYTORCH_FLAVOR is cu128, but the libtorch in " + loaded
                            + " is a CPU build"), warning),
                    () -> assertTrue(warning.contains("set PYTORCH_FLAVOR to cpu for it"), warning),
                    () -> assertTrue(hint.startsWith("The libtorch in " + loaded + " (PYTORCH_LIBRARY_PATH) is a CPU "
                            + "build"), hint),
                    () -> assertFalse(hint.contains("The bundled libtorch"), hint));
        } finally {
            System.clearProperty(LibtorchProbe.LIBRARY_PATH);
            System.clearProperty("PYTORCH_FLAVOR");
        }
    }
}
