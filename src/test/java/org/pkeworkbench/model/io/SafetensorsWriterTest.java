package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

class SafetensorsWriterTest {

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

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "tiny-llama3", "tiny-mistral", "tiny-qwen2"})
    void rewriteMatchesReferenceFileBytes(String fixture) throws IOException {
        Path original = SharedFiles.fixture(fixture).resolve("model.safetensors");
        Path copy = dir.resolve("copy.safetensors");

        try (WeightStore store = WeightStore.open(original.getParent())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : store.names()) {
                tensors.put(name, store.loadFloat32(name, manager));
            }
            SafetensorsWriter.write(copy, tensors, Map.of("format", "pt"));
        }

        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }

    @ParameterizedTest
    @EnumSource(value = StoredDType.class, names = {"F32", "F16", "BF16"})
    void roundTripKeepsValuesAtStoredPrecision(StoredDType dtype) throws IOException {
        float[] values = specialAndRandomValues();
        NDArray matrix = manager.create(values, new Shape(values.length / 4, 4));
        NDArray scalar = manager.create(0.25f);
        Path file = dir.resolve("model.safetensors");

        SafetensorsWriter.write(file, Map.of("m", matrix, "s", scalar), Map.of("note", "test"), dtype);

        SafetensorsFile parsed = SafetensorsFile.read(file);
        assertEquals(Map.of("note", "test"), parsed.metadata());
        assertEquals(dtype, parsed.tensors().get("m").dtype());
        try (WeightStore store = WeightStore.open(dir)) {
            NDArray loaded = store.loadFloat32("m", manager);
            assertEquals(matrix.getShape(), loaded.getShape());
            float[] actual = loaded.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                float expected = atStoredPrecision(values[i], dtype);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual[i]),
                        "element " + i + " (" + values[i] + ")");
            }
            NDArray loadedScalar = store.loadFloat32("s", manager);
            assertEquals(new Shape(), loadedScalar.getShape());
            assertEquals(0.25f, loadedScalar.getFloat());
        }
    }

    @Test
    void headerIsSortedAndPaddedToEightBytes() throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("z", manager.create(new float[] {1f}));
        tensors.put("a", manager.create(new float[] {2f, 3f}));
        Path file = dir.resolve("sorted.safetensors");

        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", header.stripTrailing());
        assertTrue(header.endsWith(" ") || header.endsWith("}"));
        assertEquals(8 + headerLength + 12, bytes.length);
    }

    @Test
    void existingFileReplacedWithoutLeftovers() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old content");

        SafetensorsWriter.write(file, Map.of("w", manager.create(new float[] {5f})), null);

        assertEquals(1, SafetensorsFile.read(file).tensors().size());
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList());
        }
    }

    @Test
    void float64ArrayWrittenAsFloat32() throws IOException {
        Path file = dir.resolve("double.safetensors");
        SafetensorsWriter.write(file, Map.of("d", manager.create(new double[] {0.5, -1.25})), Map.of());

        TensorInfo info = SafetensorsFile.read(file).tensors().get("d");
        assertEquals(StoredDType.F32, info.dtype());
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file), (int) info.dataStart(), 8)
                .slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.5f, data.getFloat());
        assertEquals(-1.25f, data.getFloat());
    }

    @Test
    void invalidRequestsRejected() {
        Path file = dir.resolve("bad.safetensors");
        NDArray floats = manager.create(new float[] {1f});

        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("w", floats), Map.of(), StoredDType.I64));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("__metadata__", floats), Map.of()));
        IllegalArgumentException integers = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("ids", manager.create(new int[] {1})), Map.of()));
        assertTrue(integers.getMessage().contains("tensor \"ids\" has type int32"), integers.getMessage());
        assertTrue(Files.notExists(file));
    }

    private static float atStoredPrecision(float value, StoredDType dtype) {
        return switch (dtype) {
            case F32 -> value;
            case F16 -> HalfFloats.float16ToFloat(HalfFloats.floatToFloat16(value));
            case BF16 -> HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(value));
            default -> throw new IllegalArgumentException(dtype.name());
        };
    }

    private static float[] specialAndRandomValues() {
        float[] special = {0f, -0f, 1f, -1f, 0.1f, 65504f, 70000f, 1e-8f, -3e-6f, Float.MIN_VALUE, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f + 0x1p-11f, 1f + 0x1p-8f, 3.14159f};
        float[] values = new float[special.length + 240];
        System.arraycopy(special, 0, values, 0, special.length);
        Random random = new Random(7);
        for (int i = special.length; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
        }
        return values;
    }
}
