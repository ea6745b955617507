package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converted weights (BF16 widened to float32, BF16 or F32 narrowed to float16) live in memory that
 * libtorch allocates, not in JVM direct buffers. The JVM caps direct buffers at
 * {@code -XX:MaxDirectMemorySize}, by default the heap size, so a 7B model would not load with an
 * ordinary heap if its converted weights counted against that cap.
 */
class ConvertedWeightsMemoryTest {

    /** 4M elements: 16 MiB as float32, 8 MiB as float16. */
    private static final int ELEMENTS = 1 << 22;
    /** Direct-buffer growth allowed for other work during the load, far below one converted tensor. */
    private static final long ALLOWED_DIRECT_GROWTH_BYTES = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void convertedWeightsUseNoDirectBuffers() throws IOException, InterruptedException {
        float[] values = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            values[i] = (i % 500 - 250) / 64f;
        }
        Path bfloat16 = write(StoredDType.BF16, values);
        Path float32 = write(StoredDType.F32, values);

        try (NDManager manager = NDManager.newBaseManager()) {
            // The first loads allocate each converting thread's chunk buffer (TensorBuffers.CHUNK_ELEMENTS
            // stored elements), which later loads reuse; only what a load adds beyond that is counted.
            loadAll(bfloat16, float32, manager).forEach(NDArray::close);
            long before = settledDirectBytes();
            List<NDArray> loaded = loadAll(bfloat16, float32, manager);
            long growth = directBytes() - before;

            assertTrue(growth < ALLOWED_DIRECT_GROWTH_BYTES, "direct buffers grew by " + growth + " bytes");
            // Values with exact bfloat16 and float16 forms come through every path unchanged.
            assertArrayEquals(values, loaded.get(0).toFloatArray(), "BF16 widened to float32");
            assertArrayEquals(values, loaded.get(1).toType(DataType.FLOAT32, false).toFloatArray(),
                    "BF16 narrowed to float16");
            assertArrayEquals(values, loaded.get(2).toType(DataType.FLOAT32, false).toFloatArray(),
                    "F32 narrowed to float16");
        }
    }

    /**
     * Checks that a converted tensor is read in chunks, not mapped, because a mapping would stay
     * until a garbage collection, with its pages counted in the resident size. A float32 tensor
     * stored as float32 stays mapped, because the loaded array is that mapping.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void convertedWeightsLeaveNoMappingOfTheFile() throws IOException {
        float[] values = new float[ELEMENTS];
        Path bfloat16 = write(StoredDType.BF16, values);
        Path float32 = write(StoredDType.F32, values);

        try (NDManager manager = NDManager.newBaseManager();
                WeightStore fromBfloat16 = WeightStore.open(bfloat16);
                WeightStore fromFloat32 = WeightStore.open(float32)) {
            fromBfloat16.loadFloat32("w", manager);
            fromBfloat16.loadFloat16("w", manager);
            fromFloat32.loadFloat32("w", manager);
            String maps = Files.readString(Path.of("/proc/self/maps"));

            assertFalse(maps.contains(bfloat16.resolve("model.safetensors").toRealPath().toString()), maps);
            assertTrue(maps.contains(float32.resolve("model.safetensors").toRealPath().toString()), maps);
        }
    }

    /** A cancelled load interrupts its thread, which closes the file channel during a read. */
    @Test
    void interruptedConversionIsCancellation() throws IOException {
        Path bfloat16 = write(StoredDType.BF16, new float[16]);

        try (NDManager manager = NDManager.newBaseManager(); WeightStore store = WeightStore.open(bfloat16)) {
            Thread.currentThread().interrupt();
            try {
                assertThrows(CancellationException.class, () -> store.loadFloat32("w", manager));
            } finally {
                Thread.interrupted();
            }
        }
    }

    /** Loads "w" BF16 widened, BF16 narrowed and F32 narrowed, in that order. */
    private static List<NDArray> loadAll(Path bfloat16, Path float32, NDManager manager) throws IOException {
        try (WeightStore fromBfloat16 = WeightStore.open(bfloat16); WeightStore fromFloat32 = WeightStore.open(float32)) {
            return List.of(fromBfloat16.loadFloat32("w", manager), fromBfloat16.loadFloat16("w", manager),
                    fromFloat32.loadFloat16("w", manager));
        }
    }

    private Path write(StoredDType dtype, float[] values) throws IOException {
        Path model = Files.createDirectories(dir.resolve(dtype.name()));
        try (NDManager scope = NDManager.newBaseManager()) {
            SafetensorsWriter.write(model.resolve("model.safetensors"), Map.of("w", scope.create(values)), Map.of(),
                    dtype);
        }
        return model;
    }

    /**
     * Returns the direct-buffer bytes in use once the buffers that writing the files left behind
     * are freed: a collection frees them a little later, through their cleaners.
     */
    private static long settledDirectBytes() throws InterruptedException {
        long previous = -1;
        for (int round = 0; round < 50; round++) {
            System.gc();
            Thread.sleep(20);
            long now = directBytes();
            if (now == previous) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }
}
