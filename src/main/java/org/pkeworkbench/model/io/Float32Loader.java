package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.util.stream.IntStream;

/**
 * Turns one stored tensor into a FLOAT32 {@link NDArray}.
 *
 * <p>F32 data is memory-mapped read-only and handed to DJL without a copy: on the CPU, DJL 0.36's
 * PyTorch engine wraps a direct {@link ByteBuffer} with {@code torch::from_blob} and keeps a
 * reference to the buffer in the array, so the mapping lives as long as the array. Writing into
 * such an array in place crashes the JVM, so callers that edit weights must work on a copy.
 * NOTE: for a GPU manager DJL does not keep the buffer, which implies a copy to the device, but
 * that path has not been run. F16 and BF16 are widened in Java into
 * a new direct buffer, because a BFLOAT16 array crashes this DJL version.
 */
final class Float32Loader {

    private static final int CHUNK_ELEMENTS = 1 << 16;
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 20;

    private Float32Loader() {}

    /**
     * Loads {@code info} from {@code channel}, which must be open on {@code info.file()}.
     *
     * @return array of shape {@code info.shape()} and type FLOAT32, owned by {@code manager}
     */
    static NDArray load(TensorInfo info, FileChannel channel, NDManager manager) throws IOException {
        if (!info.dtype().isLoadableAsFloat32()) {
            throw new ModelFormatException(info.file(),
                    "tensor \"" + info.name() + "\" has dtype " + info.dtype() + ", which cannot be loaded as float32",
                    "Only F32, F16 and BF16 weights are supported; convert the model's weights in Python");
        }
        long elements = info.elementCount();
        if (elements * Float.BYTES > Integer.MAX_VALUE) {
            throw new ModelFormatException(info.file(),
                    "tensor \"" + info.name() + "\" has " + elements + " elements, more than one DJL buffer "
                            + "can hold as float32 (2 GiB)",
                    "Models with a single weight matrix this large are not supported");
        }

        Shape shape = new Shape(info.shape());
        ByteBuffer stored = channel.map(FileChannel.MapMode.READ_ONLY, info.dataStart(), info.byteLength())
                .order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer float32;
        switch (info.dtype()) {
            case F32 -> float32 = info.dataStart() % Float.BYTES == 0 ? stored : copyToDirect(stored);
            case F16, BF16 -> float32 = widen(stored, info.dtype(), (int) elements);
            default -> throw new IllegalStateException("unreachable: " + info.dtype());
        }
        return manager.create(float32, shape, DataType.FLOAT32);
    }

    /** Copies unaligned F32 data, since libtorch expects each float on a 4-byte boundary. */
    private static ByteBuffer copyToDirect(ByteBuffer stored) {
        ByteBuffer copy = ByteBuffer.allocateDirect(stored.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(stored.duplicate());
        return copy.flip();
    }

    /**
     * Widens 16-bit floats to float32 in chunks of {@value #CHUNK_ELEMENTS} elements, in
     * parallel for tensors of at least {@value #PARALLEL_MIN_ELEMENTS} elements.
     */
    static ByteBuffer widen(ByteBuffer stored, StoredDType dtype, int elements) {
        ShortBuffer source = stored.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer widened = ByteBuffer.allocateDirect(elements * Float.BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer target = widened.asFloatBuffer();
        boolean bfloat16 = dtype == StoredDType.BF16;

        int chunks = (elements + CHUNK_ELEMENTS - 1) / CHUNK_ELEMENTS;
        IntStream chunkIndices = IntStream.range(0, chunks);
        if (elements >= PARALLEL_MIN_ELEMENTS) {
            chunkIndices = chunkIndices.parallel();
        }
        chunkIndices.forEach(chunk -> {
            int from = chunk * CHUNK_ELEMENTS;
            int length = Math.min(CHUNK_ELEMENTS, elements - from);
            short[] halves = new short[length];
            source.duplicate().get(from, halves);

            float[] floats = new float[length];
            for (int i = 0; i < length; i++) {
                floats[i] = bfloat16 ? HalfFloats.bfloat16ToFloat(halves[i]) : HalfFloats.float16ToFloat(halves[i]);
            }
            target.duplicate().put(from, floats);
        });
        return widened;
    }
}
