package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.stream.IntStream;

/** Steps shared by the float32 and float16 loaders: mapping a tensor's bytes and converting them in chunks. */
final class TensorBuffers {

    /** Elements converted per task. */
    static final int CHUNK_ELEMENTS = 1 << 16;
    /** Tensors at least this large are converted on several threads. */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 20;

    /** Converts elements {@code [from, from + length)} of a tensor. */
    @FunctionalInterface
    interface Chunk {
        void convert(int from, int length);
    }

    private TensorBuffers() {}

    /**
     * Checks that {@code info} can be loaded as {@code typeName} with {@code bytesPerElement} bytes
     * per element in one DJL buffer, and maps its stored bytes read-only, little-endian.
     *
     * @throws ModelFormatException for a dtype other than F32, F16 or BF16, or a tensor over 2 GiB
     */
    static ByteBuffer map(TensorInfo info, FileChannel channel, String typeName, int bytesPerElement)
            throws IOException {
        if (!info.dtype().isLoadableAsFloat32()) {
            throw new ModelFormatException(info.file(),
                    "tensor \"" + info.name() + "\" has dtype " + info.dtype() + ", which cannot be loaded as "
                            + typeName,
                    "Only F32, F16 and BF16 weights are supported; convert the model's weights in Python");
        }
        long elements = info.elementCount();
        if (elements * bytesPerElement > Integer.MAX_VALUE) {
            throw new ModelFormatException(info.file(),
                    "tensor \"" + info.name() + "\" has " + elements + " elements, more than one DJL buffer "
                            + "can hold as " + typeName + " (2 GiB)",
                    "Models with a single weight matrix this large are not supported");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, info.dataStart(), info.byteLength())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Returns {@code stored} when the tensor starts on a multiple of {@code bytesPerElement} in the
     * file, else a direct copy, since libtorch expects each element on its natural boundary.
     */
    static ByteBuffer aligned(ByteBuffer stored, long dataStart, int bytesPerElement) {
        if (dataStart % bytesPerElement == 0) {
            return stored;
        }
        ByteBuffer copy = ByteBuffer.allocateDirect(stored.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(stored.duplicate());
        return copy.flip();
    }

    /**
     * Runs {@code chunk} over {@code elements} in pieces of {@value #CHUNK_ELEMENTS}, in parallel
     * for tensors of at least {@value #PARALLEL_MIN_ELEMENTS} elements. Chunks must write disjoint ranges.
     */
    static void forEachChunk(int elements, Chunk chunk) {
        int chunks = (elements + CHUNK_ELEMENTS - 1) / CHUNK_ELEMENTS;
        IntStream chunkIndices = IntStream.range(0, chunks);
        if (elements >= PARALLEL_MIN_ELEMENTS) {
            chunkIndices = chunkIndices.parallel();
        }
        chunkIndices.forEach(index -> {
            int from = index * CHUNK_ELEMENTS;
            chunk.convert(from, Math.min(CHUNK_ELEMENTS, elements - from));
        });
    }
}
