package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link NDArray}s to a {@code .safetensors} file in the layout that the Hugging Face
 * {@code safetensors} library writes for single-dtype files: compact JSON header with {@code __metadata__} first and tensors sorted
 * by name, padded with spaces to a multiple of 8 bytes, then the data in header order.
 *
 * <p>The file is written under a temporary name in the target directory, forced to disk, and
 * renamed into place, so a reader never sees a partial file. An existing file is replaced.
 */
public final class SafetensorsWriter {

    private static final Logger log = LoggerFactory.getLogger(SafetensorsWriter.class);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEADER_ALIGNMENT_BYTES = 8;
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private SafetensorsWriter() {}

    /** Writes every tensor as F32. {@code metadata} may be empty or null. */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, StoredDType.F32);
    }

    /**
     * Writes every tensor as {@code dtype}, which must be F32, F16 or BF16. Arrays of another
     * floating-point type are converted to float32 first; narrowing to F16 or BF16 rounds to
     * nearest, ties to even.
     *
     * @throws IllegalArgumentException for an unsupported {@code dtype}, a non-float array or the
     *     reserved name {@code __metadata__}
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata,
            StoredDType dtype) throws IOException {
        write(file, tensors, metadata, dtype, ProgressListener.NONE);
    }

    /**
     * Writes like {@link #write(Path, Map, Map, StoredDType)}, reporting the fraction of tensor bytes
     * written to {@code progress} and stopping between chunks of 1 MiB when it is cancelled.
     *
     * @throws java.util.concurrent.CancellationException when cancelled; the temporary file is then
     *     deleted and {@code file} is left as it was
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata,
            StoredDType dtype, ProgressListener progress) throws IOException {
        if (!dtype.isLoadableAsFloat32()) {
            throw new IllegalArgumentException("cannot write dtype " + dtype + "; use F32, F16 or BF16");
        }
        long startNanos = System.nanoTime();
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        if (sorted.containsKey(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("\"" + SafetensorsFile.METADATA_KEY + "\" is reserved and cannot name a tensor");
        }
        byte[] header = buildHeader(sorted, metadata, dtype);

        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        // Files.createTempFile would make the file readable by its owner only, so create it by hand.
        Path temporary = directory.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        TemporaryFileWrite.replace(absolute, temporary, (written, guard) -> {
            try (FileChannel channel = FileChannel.open(written, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                lengthBytes.putLong(header.length).flip();
                writeFully(channel, lengthBytes);
                writeFully(channel, ByteBuffer.wrap(header));
                long totalElements = 0;
                for (NDArray array : sorted.values()) {
                    totalElements += array.getShape().size();
                }
                ElementCounter counter = new ElementCounter(totalElements, guard.stopOnShutdown(progress));
                for (Map.Entry<String, NDArray> entry : sorted.entrySet()) {
                    writeTensor(channel, entry.getKey(), entry.getValue(), dtype, counter);
                }
                channel.force(true);
            }
        });
        log.info("Wrote {} tensors as {} to {} in {} ms", sorted.size(), dtype, absolute,
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Builds the header JSON, padded with spaces to a multiple of 8 bytes. */
    static byte[] buildHeader(Map<String, NDArray> sorted, Map<String, String> metadata, StoredDType dtype)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(SafetensorsFile.METADATA_KEY, new TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> entry : sorted.entrySet()) {
            long[] shape = entry.getValue().getShape().getShape();
            long byteLength = Math.multiplyExact(entry.getValue().getShape().size(), (long) dtype.sizeBytes());
            Map<String, Object> description = new LinkedHashMap<>();
            description.put("dtype", dtype.name());
            description.put("shape", shape);
            description.put("data_offsets", List.of(offset, offset + byteLength));
            header.put(entry.getKey(), description);
            offset += byteLength;
        }

        byte[] json = JSON.writeValueAsBytes(header);
        int padding = (HEADER_ALIGNMENT_BYTES - json.length % HEADER_ALIGNMENT_BYTES) % HEADER_ALIGNMENT_BYTES;
        byte[] padded = new byte[json.length + padding];
        System.arraycopy(json, 0, padded, 0, json.length);
        for (int i = json.length; i < padded.length; i++) {
            padded[i] = (byte) ' ';
        }
        return padded;
    }

    private static void writeTensor(FileChannel channel, String name, NDArray array, StoredDType dtype,
            ElementCounter counter) throws IOException {
        FloatBuffer values = float32Values(name, array);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_ELEMENTS * dtype.sizeBytes()).order(ByteOrder.LITTLE_ENDIAN);
        while (values.hasRemaining()) {
            chunk.clear();
            int count = Math.min(CHUNK_ELEMENTS, values.remaining());
            for (int i = 0; i < count; i++) {
                float value = values.get();
                switch (dtype) {
                    case F32 -> chunk.putFloat(value);
                    case F16 -> chunk.putShort(HalfFloats.floatToFloat16(value));
                    case BF16 -> chunk.putShort(HalfFloats.floatToBfloat16(value));
                    default -> throw new IllegalStateException("unreachable: " + dtype);
                }
            }
            writeFully(channel, chunk.flip());
            counter.add(count);
        }
    }

    /** Returns the array's values in row-major order, converting other float types to float32. */
    private static FloatBuffer float32Values(String name, NDArray array) {
        DataType type = array.getDataType();
        if (!type.isFloating()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has type " + type + "; only float arrays can be written");
        }
        if (type == DataType.FLOAT32) {
            return array.toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        try (NDArray converted = array.toType(DataType.FLOAT32, true)) {
            ByteBuffer copy = ByteBuffer.allocate(Math.toIntExact(converted.size() * Float.BYTES))
                    .order(ByteOrder.nativeOrder());
            copy.put(converted.toByteBuffer().order(ByteOrder.nativeOrder())).flip();
            return copy.asFloatBuffer();
        }
    }

    /** Counts written elements for the progress listener and checks for a cancel after each chunk. */
    private static final class ElementCounter {

        private final long total;
        private final ProgressListener progress;
        private long written;

        private ElementCounter(long total, ProgressListener progress) {
            this.total = total;
            this.progress = progress;
        }

        private void add(long elements) {
            written += elements;
            progress.update(total == 0 ? 1 : (double) written / total, "writing weights");
            progress.checkCancelled();
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
