package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WeightStore#loadFloat16} from F16 (mapped as stored), F32 and BF16 files. */
class WeightStoreFloat16Test {

    /** Values with exact float16 forms, one that rounds, and one beyond the float16 range. */
    private static final float[] VALUES = {0.5f, -2.25f, 1f / 3, 1e-3f, 70000f, 0f};

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

    private Path write(StoredDType dtype) throws IOException {
        Path model = dir.resolve(dtype.name());
        java.nio.file.Files.createDirectories(model);
        try (NDManager scope = manager.newSubManager()) {
            SafetensorsWriter.write(model.resolve("model.safetensors"), Map.of("w", scope.create(VALUES)), Map.of(),
                    dtype);
        }
        return model;
    }

    private static float[] expectedHalves(float[] source) {
        float[] out = new float[source.length];
        for (int i = 0; i < source.length; i++) {
            out[i] = HalfFloats.float16ToFloat(HalfFloats.floatToFloat16(source[i]));
        }
        return out;
    }

    private static float[] loadAsHalfThenWiden(Path model) throws IOException {
        try (WeightStore store = WeightStore.open(model)) {
            NDArray half = store.loadFloat16("w", manager);
            assertEquals(DataType.FLOAT16, half.getDataType());
            return half.toType(DataType.FLOAT32, true).toFloatArray();
        }
    }

    @Test
    void f32NarrowsToNearestHalf() throws IOException {
        float[] loaded = loadAsHalfThenWiden(write(StoredDType.F32));

        assertArrayEquals(expectedHalves(VALUES), loaded);
        assertEquals(Float.POSITIVE_INFINITY, loaded[4], "70000 is beyond the float16 range");
    }

    @Test
    void f16LoadsAsStored() throws IOException {
        float[] loaded = loadAsHalfThenWiden(write(StoredDType.F16));

        assertArrayEquals(expectedHalves(VALUES), loaded);
    }

    @Test
    void bf16NarrowsThroughFloat32() throws IOException {
        float[] bfloat16 = new float[VALUES.length];
        for (int i = 0; i < VALUES.length; i++) {
            bfloat16[i] = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(VALUES[i]));
        }

        float[] loaded = loadAsHalfThenWiden(write(StoredDType.BF16));

        assertArrayEquals(expectedHalves(bfloat16), loaded);
        assertTrue(Float.isInfinite(loaded[4]), "a BF16 value beyond the float16 range becomes infinity");
    }

    @Test
    void f16FileLoadsAsFloat32Too() throws IOException {
        try (WeightStore store = WeightStore.open(write(StoredDType.F16))) {
            NDArray wide = store.loadFloat32("w", manager);
            assertEquals(DataType.FLOAT32, wide.getDataType());
            assertArrayEquals(expectedHalves(VALUES), wide.toFloatArray());
        }
    }
}
