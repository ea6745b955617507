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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one stored tensor into a FLOAT16 {@link NDArray}.
 *
 * <p>F16 data is memory-mapped read-only and handed to DJL without a copy, with the same rules
 * as {@link Float32Loader}: writing into such an array in place crashes the JVM. F32 and BF16 are narrowed in Java, in parallel chunks, into an array that libtorch
 * allocates (see {@link TensorBuffers#fill}), rounding to nearest with ties to even. BF16 has a wider range than F16, so values of magnitude 65520 or more become
 * infinity. The loader counts them and logs a warning that names the tensor.
 */
final class Float16Loader {

    private static final Logger LOG = LoggerFactory.getLogger(Float16Loader.class);

    private Float16Loader() {}

    /**
     * Loads {@code info} from {@code channel}, which must be open on {@code info.file()}.
     *
     * @return array of shape {@code info.shape()} and type FLOAT16, owned by {@code manager}
     */
    static NDArray load(TensorInfo info, FileChannel channel, NDManager manager) throws IOException {
        return TensorBuffers.load(info, channel, manager, DataType.FLOAT16, StoredDType.F16,
                (stored, target) -> narrow(info, stored, (int) info.elementCount(), target.asShortBuffer()));
    }

    /**
     * Narrows F32 or BF16 data to float16 into {@code target} in chunks of
     * {@value TensorBuffers#CHUNK_ELEMENTS} elements, in parallel for tensors of at least
     * {@value TensorBuffers#PARALLEL_MIN_ELEMENTS} elements.
     */
        static void narrow(TensorInfo info, ByteBuffer stored, int elements, ShortBuffer target) {
        boolean bfloat16 = info.dtype() == StoredDType.BF16;
        FloatBuffer floatSource = bfloat16 ? null : stored.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ShortBuffer halfSource = bfloat16 ? stored.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer() : null;

        AtomicLong overflowed = new AtomicLong();

        TensorBuffers.forEachChunk(elements, (from, length) -> {
            float[] floats = new float[length];
            if (bfloat16) {
                short[] bits = new short[length];
                halfSource.duplicate().get(from, bits);
                for (int i = 0; i < length; i++) {
                    floats[i] = HalfFloats.bfloat16ToFloat(bits[i]);
                }
            } else {
                floatSource.duplicate().get(from, floats);
            }

            short[] halves = new short[length];
            int infinities = 0;
            for (int i = 0; i < length; i++) {
                halves[i] = HalfFloats.floatToFloat16(floats[i]);
                if ((halves[i] & 0x7FFF) == 0x7C00 && Float.isFinite(floats[i])) {
                    infinities++;
                }
            }
            overflowed.addAndGet(infinities);
            target.duplicate().put(from, halves);
        });
        if (overflowed.get() > 0) {
            LOG.warn("{}: {} of {} values of tensor \"{}\" exceed the float16 range (65504) and became infinity",
                                        info.file(), overflowed.get(), elements, info.name());
        }
    }
}
