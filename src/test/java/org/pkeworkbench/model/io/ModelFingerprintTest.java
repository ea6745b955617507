package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.testing.ModelCopies;

/** The model fingerprint on copies of the demo model. */
class ModelFingerprintTest {

    /** Copies the regular files of the demo model into {@code target}. */
    static Path copyDemoModel(Path target) throws IOException {
        return ModelCopies.copy(DemoModel.directory(), target);
    }

    @Test
    void copyMatchesOriginal(@TempDir Path temp) throws IOException {
        Path copy = copyDemoModel(temp.resolve("copy"));
        Files.setLastModifiedTime(copy.resolve("model.safetensors"), FileTime.fromMillis(0));

        assertEquals(ModelFingerprint.of(DemoModel.directory()), ModelFingerprint.of(copy));
    }

    @Test
    void changedConfigDiffers(@TempDir Path temp) throws IOException {
        Path copy = copyDemoModel(temp.resolve("copy"));
        Files.writeString(copy.resolve("config.json"), Files.readString(copy.resolve("config.json")) + " ");

        assertNotEquals(ModelFingerprint.of(DemoModel.directory()), ModelFingerprint.of(copy));
    }

    @Test
    void changedLastWeightByteDiffers(@TempDir Path temp) throws IOException {
        Path copy = copyDemoModel(temp.resolve("copy"));
        Path weights = copy.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);

        assertNotEquals(ModelFingerprint.of(DemoModel.directory()), ModelFingerprint.of(copy));
    }

    @Test
    void directoryWithoutConfigRejected(@TempDir Path temp) {
        IOException error = assertThrows(IOException.class, () -> ModelFingerprint.of(temp));

        assertTrue(error.getMessage().contains(temp.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("config.json"), error.getMessage());
    }
}
