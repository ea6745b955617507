package org.pkeworkbench.model.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

/** Steps shared by the float32 and float16 loaders: mapping a tensor's bytes, or reading and converting them in chunks. */
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
     * per element in one DJL buffer.
     *
     * @throws ModelFormatException for a dtype other than F32, F16 or BF16, or a tensor over 2 GiB
     */
    static void check(TensorInfo info, String typeName, int bytesPerElement) throws ModelFormatException {
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
    }

    /**
     * Converts one chunk of a tensor: {@code stored} contains elements {@code [from, from + length)}
     * as stored (little-endian) from position 0, and the converter writes them to the same element
     * positions of {@code target} (native order).
     */
    @FunctionalInterface
    interface Converter {
        void convert(ByteBuffer stored, ByteBuffer target, int from, int length);
    }

    /**
     * One chunk's stored bytes per converting thread. Chunks are read into this buffer and not
     * through a mapping: a mapping stays until the garbage collector frees its buffer, and until
     * then its pages count in the resident size, about the stored file's size for every load.
     */
    private static final ThreadLocal<ByteBuffer> CHUNK_BYTES = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(CHUNK_ELEMENTS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN));

    /**
     * Loads {@code info} from {@code channel}, which must be open on {@code info.file()}, as
     * {@code type}: mapped without a copy when it is stored as {@code storedAsType}, else read in
     * chunks and converted by {@code converter} into an array that libtorch allocates (see {@link #fill}).
     *
     * @return array of shape {@code info.shape()} and type {@code type}, owned by {@code manager}
     * @throws CancellationException when the thread was interrupted while reading
     */
    static NDArray load(TensorInfo info, FileChannel channel, NDManager manager, DataType type,
            StoredDType storedAsType, Converter converter) throws IOException {
        check(info, type.name().toLowerCase(java.util.Locale.ROOT), type.getNumOfBytes());
        Shape shape = new Shape(info.shape());
        if (info.dtype() == storedAsType) {
            ByteBuffer stored = channel.map(FileChannel.MapMode.READ_ONLY, info.dataStart(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
            return mappedOrCopied(manager, stored, info.dataStart(), shape, type);
        }
        try {
            return fill(manager, shape, type, target -> convertChunks(info, channel, target, converter));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Reads {@code info}'s stored bytes chunk by chunk, on several threads for large tensors, and converts each. */
    private static void convertChunks(TensorInfo info, FileChannel channel, ByteBuffer target, Converter converter) {
        int storedBytes = info.dtype().sizeBytes();
        forEachChunk(Math.toIntExact(info.elementCount()), (from, length) -> {
            ByteBuffer chunk = CHUNK_BYTES.get();
            chunk.clear().limit(length * storedBytes);
            long position = info.dataStart() + (long) from * storedBytes;
            try {
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, position + chunk.position()) < 0) {
                        throw new ModelFormatException(info.file(), "the file ends inside tensor \"" + info.name()
                                + "\"", "The file is truncated; download or export it again");
                    }
                }
            } catch (AsynchronousCloseException e) {
                // An interrupt closes the channel: this thread gets ClosedByInterruptException, the
                // other converting threads its parent type.
                throw new CancellationException("Loading was cancelled while reading " + info.file());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            converter.convert(chunk.flip(), target, from, length);
        });
    }

    /**
     * Returns the mapped tensor as an array without a copy when it starts on a multiple of
     * {@code type}'s size in the file, else a copy, since libtorch expects each element on its
     * natural boundary.
     */
    private static NDArray mappedOrCopied(NDManager manager, ByteBuffer stored, long dataStart, Shape shape, DataType type) {
        if (dataStart % type.getNumOfBytes() == 0) {
            return manager.create(stored, shape, type);
        }
        return fill(manager, shape, type, target -> target.put(stored.duplicate()));
    }

    /**
     * Allocates an array of {@code shape} and {@code type} in libtorch's memory and lets
     * {@code writer} fill its bytes in native order. On a GPU the array is filled on the CPU and then
     * copied. Converted weights go this way and not through
     * {@link ByteBuffer#allocateDirect}: the JVM caps direct buffers at
     * {@code -XX:MaxDirectMemorySize}, by default the heap size, and the float16 copy of a 7B model
     * alone is 13 GB.
     *
     * @return the filled array, owned by {@code manager}
     */
    static NDArray fill(NDManager manager, Shape shape, DataType type, java.util.function.Consumer<ByteBuffer> writer) {
        if (manager.getDevice().equals(Device.cpu())) {
            NDArray array = manager.create(shape, type);
            writer.accept(bytesOf(array));
            return array;
        }
        // NOTE: no GPU was available where this was written, so this branch has not been run.
        try (NDManager host = manager.newSubManager(Device.cpu())) {
            NDArray staged = host.create(shape, type);
            writer.accept(bytesOf(staged));
            NDArray moved = staged.toDevice(manager.getDevice(), false);
            moved.attach(manager);
            return moved;
        }
    }

    /** Returns a writable view of a CPU array's memory, in native byte order. */
    private static ByteBuffer bytesOf(NDArray array) {
        ByteBuffer view = array.toByteBuffer(true);
        long expected = array.size() * array.getDataType().getNumOfBytes();
        if (!view.isDirect() || view.capacity() != expected) {
            throw new IllegalStateException("DJL returned no view of the array's memory (" + view.capacity() + " of "
                    + expected + " bytes, direct: " + view.isDirect() + ")");
        }
        return view.order(ByteOrder.nativeOrder());
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
