package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
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
        AtomicLong overflowed = new AtomicLong();
        NDArray array = TensorBuffers.load(info, channel, manager, DataType.FLOAT16, StoredDType.F16,
                (stored, target, from, length) -> overflowed.addAndGet(
                        narrow(stored, info.dtype() == StoredDType.BF16, target.asShortBuffer(), from)));
        if (overflowed.get() > 0) {
            LOG.warn("{}: {} of {} values of tensor \"{}\" exceed the float16 range (65504) and became infinity",
                    info.file(), overflowed.get(), info.elementCount(), info.name());
        }
        return array;
    }

    /**
     * Narrows the F32 or BF16 values of {@code stored} (all of it) to float16 into {@code target}
     * from element {@code from} on, element by element as {@link Float32Loader#widen} does.
     *
     * @return how many finite values became infinity
     */
    static int narrow(ByteBuffer stored, boolean bfloat16, ShortBuffer target, int from) {
        FloatBuffer floats = bfloat16 ? null : stored.asFloatBuffer();
        ShortBuffer bits = bfloat16 ? stored.asShortBuffer() : null;
        int length = bfloat16 ? bits.remaining() : floats.remaining();
        int infinities = 0;
        for (int i = 0; i < length; i++) {
            float value = bfloat16 ? HalfFloats.bfloat16ToFloat(bits.get(i)) : floats.get(i);
            short half = HalfFloats.floatToFloat16(value);
            if ((half & 0x7FFF) == 0x7C00 && Float.isFinite(value)) {
                infinities++;
            }
            target.put(from + i, half);
        }
        return infinities;
    }
}
