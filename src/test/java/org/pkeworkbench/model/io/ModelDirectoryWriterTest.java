package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

class ModelDirectoryWriterTest {

    private NDManager manager;

    @TempDir
    Path dir;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void editedModelWrittenBesideSource() throws IOException {
        Path source = SharedFiles.stories260K();
        Path output = dir.resolve("edited");
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        float[] norm;
        try (WeightStore store = WeightStore.open(source)) {
            for (String name : store.names()) {
                tensors.put(name, store.loadFloat32(name, manager));
            }
            NDArray edited = tensors.get("model.norm.weight").add(1f);
            norm = edited.toFloatArray();
            tensors.put("model.norm.weight", edited);
        }

        ModelDirectoryWriter.write(source, tensors, Map.of("edit", "test"), StoredDType.BF16, output);

        List<String> expectedFiles = List.of("LICENSE", "config.json", "generation_config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json");
        assertEquals(expectedFiles, listNames(output));
        assertEquals(Files.readString(source.resolve("config.json")), Files.readString(output.resolve("config.json")));
        assertEquals(Map.of("edit", "test", "format", "pt"),
                SafetensorsFile.read(output.resolve("model.safetensors")).metadata());
        try (WeightStore written = WeightStore.open(output)) {
            assertEquals(tensors.keySet(), written.names());
            float[] reloaded = written.loadFloat32("model.norm.weight", manager).toFloatArray();
            for (int i = 0; i < norm.length; i++) {
                norm[i] = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(norm[i]));
            }
            assertArrayEquals(norm, reloaded);
        }
        assertEquals(List.of("edited"), listNames(dir), "no staging directory is left behind");
    }

    @Test
    void emptyExistingOutputAccepted() throws IOException {
        Path source = smallModel();
        Path output = Files.createDirectory(dir.resolve("out"));

        ModelDirectoryWriter.write(source, Map.of("w", manager.create(new float[] {1f})), output);

        assertEquals(List.of("config.json", "model.safetensors"), listNames(output));
    }

    @Test
    void unsafeOutputRejected() throws IOException {
        Path source = smallModel();
        Map<String, NDArray> tensors = Map.of("w", manager.create(new float[] {1f}));
        List<String> sourceBefore = listNames(source);

        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> ModelDirectoryWriter.write(source, tensors, source));
        assertTrue(same.getMessage().contains("is the source model directory"), same.getMessage());

        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> ModelDirectoryWriter.write(source, tensors, source.resolve("sub/edited")));
        assertTrue(inside.getMessage().contains("or inside it"), inside.getMessage());

        Path nonEmpty = Files.createDirectory(dir.resolve("full"));
        Files.writeString(nonEmpty.resolve("keep.txt"), "keep");
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                () -> ModelDirectoryWriter.write(source, tensors, nonEmpty));
        assertTrue(full.getMessage().contains("already contains files"), full.getMessage());
        assertEquals("keep", Files.readString(nonEmpty.resolve("keep.txt")));

        Path regularFile = Files.writeString(dir.resolve("file"), "x");
        assertThrows(IllegalArgumentException.class, () -> ModelDirectoryWriter.write(source, tensors, regularFile));

        assertEquals(sourceBefore, listNames(source), "the source directory is unchanged");
    }

    @Test
    void failedWriteLeavesNothingBehind() throws IOException {
        Path source = smallModel();
        Path output = dir.resolve("out");
        Map<String, NDArray> tensors = Map.of("ids", manager.create(new int[] {1}));

        assertThrows(IllegalArgumentException.class, () -> ModelDirectoryWriter.write(source, tensors, output));

        assertEquals(List.of("source"), listNames(dir));
    }

    private Path smallModel() throws IOException {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.writeString(source.resolve("config.json"), "{\"model_type\": \"llama\"}");
        CraftedFiles.writeFloat32Vector(source.resolve("model.safetensors"), "w", 0f);
        Files.writeString(source.resolve("notes.txt"), "not copied");
        return source;
    }

    private static List<String> listNames(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
