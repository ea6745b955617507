package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
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
        boolean bfloat16 = info.dtype() == StoredDType.BF16;
        return TensorBuffers.load(info, channel, manager, DataType.FLOAT32, StoredDType.F32,
                (stored, target, from, length) -> widen(stored.asShortBuffer(), bfloat16, target.asFloatBuffer(), from));
    }

    /**
     * Widens the 16-bit floats of {@code stored} (all of it, BF16 or F16) into {@code target} from
     * element {@code from} on. Element by element between the two buffers: arrays per chunk put
     * about six bytes of garbage per weight on the heap, which the JVM kept resident after loading.
     */
    static void widen(ShortBuffer stored, boolean bfloat16, FloatBuffer target, int from) {
        int length = stored.remaining();
        for (int i = 0; i < length; i++) {
            short bits = stored.get(i);
            target.put(from + i, bfloat16 ? HalfFloats.bfloat16ToFloat(bits) : HalfFloats.float16ToFloat(bits));
        }
    }
}
