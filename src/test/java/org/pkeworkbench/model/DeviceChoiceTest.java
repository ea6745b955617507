package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceChoiceTest {

    @TempDir
    Path temp;

    @Test
    void cpuBuildGetsSetUpSteps() {
        assertEquals(DeviceChoice.NO_GPU_HINT, DeviceChoice.noGpuHint(temp));
    }

    @Test
    void cudaBuildGetsDriverChecks() throws IOException {
        Files.createFile(temp.resolve(System.mapLibraryName("torch_cuda")));

        String hint = DeviceChoice.noGpuHint(temp);

        assertAll(
                () -> assertTrue(hint.startsWith("The libtorch in " + temp + " is a CUDA build"), hint),
                () -> assertTrue(hint.contains("nvidia-smi"), hint),
                () -> assertTrue(hint.contains("CUDA_VISIBLE_DEVICES"), hint));
    }

    @Test
    void bundledCpuBuildFallsBackToCpu() {
        // The bundled libtorch is the CPU build, so auto means the CPU and gpu is an error.
        DeviceChoice.Decision auto = DeviceChoice.decide("auto");
        IllegalArgumentException gpu = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.decide("gpu"));

        assertAll(
                () -> assertEquals(Device.cpu(), auto.device()),
                () -> assertTrue(auto.reason().endsWith(DeviceChoice.NO_GPU_HINT), auto.reason()),
                () -> assertTrue(gpu.getMessage().contains("sees no CUDA GPU. " + DeviceChoice.NO_GPU_HINT),
                        gpu.getMessage()));
    }
}
