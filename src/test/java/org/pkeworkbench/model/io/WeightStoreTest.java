package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

class WeightStoreTest {

    private static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeEngine() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "tiny-llama3", "tiny-llama3-bf16-sharded", "tiny-mistral", "tiny-qwen2"})
    void fixtureLoadsEveryTensor(String fixture) throws IOException {
        assertEveryTensorMatchesFileBytes(SharedFiles.fixture(fixture));
    }

    @Test
    void stories260KLoadsEveryTensor() throws IOException {
        assertEveryTensorMatchesFileBytes(SharedFiles.stories260K());
    }

    @Test
    void bf16ShardsEqualF32WeightsRoundedToBf16() throws IOException {
        try (WeightStore f32 = WeightStore.open(SharedFiles.fixture("tiny-llama3"));
                WeightStore bf16 = WeightStore.open(SharedFiles.fixture("tiny-llama3-bf16-sharded"));
                NDManager scope = manager.newSubManager()) {
            assertEquals(f32.names(), bf16.names());
            assertEquals(2, bf16.files().size());

            for (String name : f32.names()) {
                assertEquals(StoredDType.BF16, bf16.info(name).orElseThrow().dtype());
                float[] exact = f32.loadFloat32(name, scope).toFloatArray();
                float[] widened = bf16.loadFloat32(name, scope).toFloatArray();
                assertEquals(exact.length, widened.length, name);
                for (int i = 0; i < exact.length; i++) {
                    int expectedBits = (HalfFloats.floatToBfloat16(exact[i]) & 0xFFFF) << 16;
                    assertEquals(expectedBits, Float.floatToRawIntBits(widened[i]), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void djlWrapsDirectBuffersWithoutCopy() {
        // Documents the DJL behaviour that loadFloat32 relies on for zero-copy F32 loading.
        ByteBuffer buffer = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        buffer.putFloat(0, 1f).putFloat(4, 2f);
        try (NDArray array = manager.create(buffer, new Shape(2), DataType.FLOAT32)) {
            buffer.putFloat(0, 7f);
            assertArrayEquals(new float[] {7f, 2f}, array.toFloatArray());
        }
    }

    @Test
    void arraysStayValidAfterClose() throws IOException {
        NDArray loaded;
        WeightStore store = WeightStore.open(SharedFiles.fixture("tiny-llama3"));
        loaded = store.loadFloat32("model.norm.weight", manager);
        float[] before = loaded.toFloatArray();
        store.close();

        assertArrayEquals(before, loaded.toFloatArray());
        assertThrows(IllegalStateException.class, () -> store.loadFloat32("model.norm.weight", manager));
        loaded.close();
    }

    @Test
    void storeReportsSizesAndNames() throws IOException {
        Path fixture = SharedFiles.fixture("tiny-llama3");
        try (WeightStore store = WeightStore.open(fixture)) {
            assertTrue(store.contains("lm_head.weight"));
            assertFalse(store.contains("no.such.weight"));
            assertTrue(store.info("no.such.weight").isEmpty());
            assertEquals(List.of(fixture.resolve("model.safetensors")), store.files());

            long fileSize = Files.size(fixture.resolve("model.safetensors"));
            long headerLength = SafetensorsFile.read(fixture.resolve("model.safetensors")).dataSectionStart();
            assertEquals(fileSize - headerLength, store.totalBytes());

            ModelFormatException error =
                    assertThrows(ModelFormatException.class, () -> store.loadFloat32("no.such.weight", manager));
            assertTrue(error.getMessage().contains("no tensor named \"no.such.weight\""), error.getMessage());
            assertTrue(error.getMessage().startsWith(fixture.toString()), error.getMessage());
        }
    }

    @Test
    void sha256IsStableAndContentDependent() throws IOException {
        String first;
        String again;
        String other;
        try (WeightStore store = WeightStore.open(SharedFiles.fixture("tiny-llama3"))) {
            first = store.sha256();
            again = store.sha256();
        }
        try (WeightStore store = WeightStore.open(SharedFiles.fixture("tiny-llama3-bf16-sharded"))) {
            other = store.sha256();
        }
        assertEquals(64, first.length());
        assertEquals(first, again);
        assertNotEquals(first, other);
    }

    @Test
    void float16AndUnalignedFloat32Load() throws IOException {
        // The header is padded so that the data section starts 1 byte past a 4-byte boundary.
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}";
        int padding = Math.floorMod(1 - 8 - header.length(), 4);
        byte[] headerBytes = (header + " ".repeat(padding)).getBytes(StandardCharsets.UTF_8);
        assertEquals(1, (8 + headerBytes.length) % 4, "test setup: data start must be unaligned");
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-3f);
        data.putShort((short) 0x3C00).putShort((short) 0x0001).putShort((short) 0xFC00).putShort((short) 0xC000);
        data.putLong(42);
        CraftedFiles.write(dir.resolve("model.safetensors"), headerBytes.length, headerBytes, data.array());

        try (WeightStore store = WeightStore.open(dir); NDManager scope = manager.newSubManager()) {
            assertArrayEquals(new float[] {1.5f, -3f}, store.loadFloat32("a", scope).toFloatArray());

            NDArray half = store.loadFloat32("h", scope);
            assertEquals(new Shape(2, 2), half.getShape());
            assertEquals(DataType.FLOAT32, half.getDataType());
            assertArrayEquals(new float[] {1f, 0x1p-24f, Float.NEGATIVE_INFINITY, -2f}, half.toFloatArray());

            ModelFormatException error = assertThrows(ModelFormatException.class, () -> store.loadFloat32("i", scope));
            assertTrue(error.getMessage().contains("tensor \"i\" has dtype I64"), error.getMessage());
        }
    }

    @Test
    void largeBf16TensorWidensInParallel() throws IOException {
        int elements = 3 * (1 << 20) + 5;
        ByteBuffer data = ByteBuffer.allocate(2 * elements).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) {
            data.putShort(HalfFloats.floatToBfloat16(i % 256 - 128f));
        }
        String header = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + elements + "],\"data_offsets\":[0," + (2 * elements) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        CraftedFiles.write(dir.resolve("model.safetensors"), headerBytes.length, headerBytes, data.array());

        try (WeightStore store = WeightStore.open(dir); NDArray big = store.loadFloat32("big", manager)) {
            float[] values = big.toFloatArray();
            assertEquals(elements, values.length);
            for (int i = 0; i < elements; i++) {
                assertEquals(i % 256 - 128f, values[i], "element " + i);
            }
        }
    }

    /**
     * Widens every 16-bit pattern, repeated past the size at which widening runs in parallel
     * chunks. Expected values come from the format's definition, not from moving bits:
     * {@code (-1)^s * 2^(e - bias) * (1 + m / 2^bits)}, and {@code m * 2^(1 - bias - bits)} for
     * subnormals.
     */
    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16"})
    void everyHalfPatternWidensInParallel(String dtype) throws IOException {
        int repeats = 17;
        int elements = repeats * 65536 + 3;
        ByteBuffer data = ByteBuffer.allocate(2 * elements).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) {
            data.putShort((short) (i & 0xFFFF));
        }
        String header = "{\"all\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + elements + "],\"data_offsets\":[0,"
                + (2 * elements) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        CraftedFiles.write(dir.resolve("model.safetensors"), headerBytes.length, headerBytes, data.array());

        boolean bfloat16 = dtype.equals("BF16");
        try (WeightStore store = WeightStore.open(dir); NDArray all = store.loadFloat32("all", manager)) {
            float[] values = all.toFloatArray();
            assertEquals(elements, values.length);
            for (int i = 0; i < elements; i++) {
                float expected = bfloat16 ? fromDefinition(i & 0xFFFF, 8, 7) : fromDefinition(i & 0xFFFF, 5, 10);
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(values[i]), "element " + i + " is NaN");
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(values[i]),
                            "element " + i + " (bits 0x" + Integer.toHexString(i & 0xFFFF) + ")");
                }
            }
        }
    }

    /** Computes the value of a 16-bit float with the given exponent and mantissa widths from the format's definition. */
    private static float fromDefinition(int bits, int exponentBits, int mantissaBits) {
        int bias = (1 << (exponentBits - 1)) - 1;
        float sign = (bits & 0x8000) != 0 ? -1f : 1f;
        int exponent = (bits >>> mantissaBits) & ((1 << exponentBits) - 1);
        int mantissa = bits & ((1 << mantissaBits) - 1);
        if (exponent == (1 << exponentBits) - 1) {
            return mantissa == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (exponent == 0) {
            return sign * (float) Math.scalb((double) mantissa, 1 - bias - mantissaBits);
        }
        return sign * (float) Math.scalb(1.0 + (double) mantissa / (1 << mantissaBits), exponent - bias);
    }

    @Test
    void shardedDirectoryOpens() throws IOException {
        CraftedFiles.writeFloat32Vector(dir.resolve("part-1.safetensors"), "a", 1f, 2f);
        CraftedFiles.writeFloat32Vector(dir.resolve("part-2.safetensors"), "b", 3f);
        writeIndex("{\"a\": \"part-1.safetensors\", \"b\": \"part-2.safetensors\"}");

        try (WeightStore store = WeightStore.open(dir)) {
            assertEquals(List.of("a", "b"), List.copyOf(store.names()));
            assertArrayEquals(new float[] {3f}, store.loadFloat32("b", manager).toFloatArray());
        }
    }

    @Test
    void missingShardRejected() throws IOException {
        CraftedFiles.writeFloat32Vector(dir.resolve("part-1.safetensors"), "a", 1f);
        writeIndex("{\"a\": \"part-1.safetensors\", \"b\": \"part-2.safetensors\"}");

        ModelFormatException error = assertOpenRejected(dir.resolve(ShardIndex.FILE_NAME),
                "shard file part-2.safetensors (listed for tensor \"b\") is missing");
        assertTrue(error.getMessage().contains("Download every shard"), error.getMessage());
    }

    @Test
    void shardOutsideDirectoryRejected() throws IOException {
        Path model = Files.createDirectory(dir.resolve("model"));
        CraftedFiles.writeFloat32Vector(dir.resolve("evil.safetensors"), "a", 1f);
        Path index = model.resolve(ShardIndex.FILE_NAME);

        Files.writeString(index, "{\"weight_map\": {\"a\": \"../evil.safetensors\"}}");
        assertOpenRejected(model, index, "shard path \"../evil.safetensors\" with a \"..\" component");

        Files.writeString(index, "{\"weight_map\": {\"a\": \"sub/../../evil.safetensors\"}}");
        assertOpenRejected(model, index, "with a \"..\" component");

        String absolute = dir.resolve("evil.safetensors").toAbsolutePath().toString();
        Files.writeString(index, "{\"weight_map\": {\"a\": \"" + absolute + "\"}}");
        assertOpenRejected(model, index, "absolute shard path \"" + absolute + "\"");

        Files.writeString(index, "{\"weight_map\": {\"a\": \"C:\\\\evil.safetensors\"}}");
        assertOpenRejected(model, index, "absolute shard path \"C:\\evil.safetensors\"");
    }

    @Test
    void tensorMissingFromShardRejected() throws IOException {
        CraftedFiles.writeFloat32Vector(dir.resolve("part-1.safetensors"), "a", 1f);
        writeIndex("{\"a\": \"part-1.safetensors\", \"b\": \"part-1.safetensors\"}");
        assertOpenRejected(dir.resolve(ShardIndex.FILE_NAME),
                "tensor \"b\" is listed for shard part-1.safetensors but that shard does not contain it");
    }

    @Test
    void duplicateTensorAcrossShardsRejected() throws IOException {
        CraftedFiles.writeFloat32Vector(dir.resolve("part-1.safetensors"), "a", 1f);
        CraftedFiles.writeFloat32Vector(dir.resolve("part-2.safetensors"), "a", 2f);
        writeIndex("{\"a\": \"part-1.safetensors\", \"b\": \"part-2.safetensors\"}");
        assertOpenRejected(dir.resolve(ShardIndex.FILE_NAME),
                "tensor \"a\" is stored in both part-1.safetensors and part-2.safetensors");
    }

    @Test
    void malformedIndexRejected() throws IOException {
        Path index = dir.resolve(ShardIndex.FILE_NAME);

        Files.writeString(index, "{\"weight_map\": ");
        assertOpenRejected(index, "index is not valid JSON");

        Files.writeString(index, "{\"metadata\": {}}");
        assertOpenRejected(index, "index has no \"weight_map\" object");

        Files.writeString(index, "{\"weight_map\": {}}");
        assertOpenRejected(index, "index has an empty \"weight_map\"");

        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertOpenRejected(index, "\"weight_map\" value for tensor \"a\" is 3");
    }

    @Test
    void pickleOnlyDirectoryRejected() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);
        Files.write(dir.resolve("extra.pt"), new byte[16]);

        ModelFormatException error = assertOpenRejected(dir,
                "only PyTorch pickle checkpoints [extra.pt, pytorch_model.bin]");
        assertTrue(error.getMessage().contains("can run arbitrary code"), error.getMessage());
        assertTrue(error.getMessage().contains("safe_serialization=True"), error.getMessage());
    }

    @Test
    void directoryWithoutWeightsRejected() throws IOException {
        assertOpenRejected(dir, "no model.safetensors or model.safetensors.index.json found");

        CraftedFiles.writeFloat32Vector(dir.resolve("consolidated.safetensors"), "a", 1f);
        assertOpenRejected(dir, "found, only [consolidated.safetensors]");

        Path file = dir.resolve("consolidated.safetensors");
        assertOpenRejected(file, file, "not a directory");
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(ShardIndex.FILE_NAME),
                "{\"metadata\": {\"total_size\": 12}, \"weight_map\": " + weightMap + "}");
    }

    private ModelFormatException assertOpenRejected(Path namedFile, String expectedProblem) {
        return assertOpenRejected(dir, namedFile, expectedProblem);
    }

    private static ModelFormatException assertOpenRejected(Path modelDir, Path namedFile, String expectedProblem) {
        ModelFormatException error = assertThrows(ModelFormatException.class, () -> WeightStore.open(modelDir));
        String message = error.getMessage();
        assertTrue(message.startsWith(namedFile + ": "), "message names " + namedFile + ": " + message);
        assertTrue(message.contains(expectedProblem), "message names the problem: " + message);
        return error;
    }

    /** Loads every tensor and compares it with the values decoded straight from the file bytes. */
    private static void assertEveryTensorMatchesFileBytes(Path modelDir) throws IOException {
        try (WeightStore store = WeightStore.open(modelDir); NDManager scope = manager.newSubManager()) {
            assertFalse(store.names().isEmpty(), "no tensors in " + modelDir);

            for (String name : store.names()) {
                TensorInfo info = store.info(name).orElseThrow();
                NDArray array = store.loadFloat32(name, scope);
                assertEquals(DataType.FLOAT32, array.getDataType(), name);
                assertEquals(new Shape(info.shape()), array.getShape(), name);
                assertArrayEquals(decodeFromFile(info), array.toFloatArray(), name);
            }
        }
    }

    private static float[] decodeFromFile(TensorInfo info) throws IOException {
        byte[] bytes = Files.readAllBytes(info.file());
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) info.dataStart(), (int) info.byteLength())
                .slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[(int) info.elementCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (info.dtype()) {
                case F32 -> data.getFloat();
                case BF16 -> Float.intBitsToFloat((data.getShort() & 0xFFFF) << 16);
                case F16 -> HalfFloats.float16ToFloat(data.getShort());
                default -> throw new AssertionError("fixture has dtype " + info.dtype());
            };
        }
        return values;
    }
}
