package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;

/**
 * Turns one stored tensor into a FLOAT32 {@link NDArray}.
 *
 * <p>F32 data is memory-mapped read-only and handed to DJL without a copy: on the CPU, DJL 0.36's
 * PyTorch engine wraps a direct {@link ByteBuffer} with {@code torch::from_blob} and keeps a
 * reference to the buffer in the array, so the mapping lives as long as the array. Writing into
 * such an array in place crashes the JVM, so callers that edit weights must work on a copy.
 * NOTE: for a GPU manager DJL does not keep the buffer, which implies a copy to the device, but
 * that path has not been run. F16 and BF16 are widened in Java, because a BFLOAT16 array crashes this DJL version, into an
 * array that libtorch allocates (see {@link TensorBuffers#fill}).
 */
final class Float32Loader {

    private Float32Loader() {}

    /**
     * Loads {@code info} from {@code channel}, which must be open on {@code info.file()}.
     *
     * @return array of shape {@code info.shape()} and type FLOAT32, owned by {@code manager}
     */
    static NDArray load(TensorInfo info, FileChannel channel, NDManager manager) throws IOException {
        return TensorBuffers.load(info, channel, manager, DataType.FLOAT32, StoredDType.F32,
                (stored, target) -> widen(stored, info.dtype(), (int) info.elementCount(), target.asFloatBuffer()));
    }

    /**
     * Widens 16-bit floats into {@code target} in chunks of {@value TensorBuffers#CHUNK_ELEMENTS}
     * elements, in parallel for tensors of at least {@value TensorBuffers#PARALLEL_MIN_ELEMENTS} elements.
     */
    static void widen(ByteBuffer stored, StoredDType dtype, int elements, FloatBuffer target) {
        ShortBuffer source = stored.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        boolean bfloat16 = dtype == StoredDType.BF16;

        TensorBuffers.forEachChunk(elements, (from, length) -> {
            short[] halves = new short[length];
            source.duplicate().get(from, halves);

            float[] floats = new float[length];
            for (int i = 0; i < length; i++) {
                floats[i] = bfloat16 ? HalfFloats.bfloat16ToFloat(halves[i]) : HalfFloats.float16ToFloat(halves[i]);
            }
            target.duplicate().put(from, floats);
        });
    }
}
