package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parsed, validated header of one {@code .safetensors} file.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON, then
 * the data section. The JSON maps each tensor name to {@code {"dtype", "shape", "data_offsets":
 * [begin, end]}}, with offsets relative to the start of the data section; the optional key
 * {@code __metadata__} maps strings to strings. Parsing reads only the header, never tensor data.
 */
public final class SafetensorsFile {

    /** Largest header accepted, in bytes, the same limit as the Rust {@code safetensors} crate's MAX_HEADER_SIZE. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final Logger log = LoggerFactory.getLogger(SafetensorsFile.class);

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final String REEXPORT_ADVICE =
            "The file is damaged or not a safetensors file; download or export it again";

    private final Path file;
    private final long fileSize;
    private final long dataSectionStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsFile(
            Path file,
            long fileSize,
            long dataSectionStart,
            Map<String, String> metadata,
            Map<String, TensorInfo> tensors) {
        this.file = file;
        this.fileSize = fileSize;
        this.dataSectionStart = dataSectionStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Reads and validates the header of {@code file}.
     *
     * @throws ModelFormatException when the header is damaged or describes impossible data
     * @throws IOException when the file cannot be read
     */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            long headerLength = readHeaderLength(file, channel, fileSize);
            byte[] headerBytes = readFully(channel, 8, (int) headerLength);
            JsonNode header = parseJson(file, headerBytes);
            long dataSectionStart = 8 + headerLength;
            long dataSectionLength = fileSize - dataSectionStart;

            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals(METADATA_KEY)) {
                    metadata.putAll(parseMetadata(file, field.getValue()));
                } else {
                    TensorInfo info = parseEntry(
                            file, field.getKey(), field.getValue(), dataSectionStart, dataSectionLength);
                    tensors.put(info.name(), info);
                }
            }
            checkNoOverlap(file, tensors.values());

            log.debug("Read header of {}: {} tensors, {} header bytes", file, tensors.size(), headerLength);
            return new SafetensorsFile(file, fileSize, dataSectionStart, metadata, tensors);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found", "Check the path and the model directory", e);
        }
    }

    /** Returns the file this header was read from. */
    public Path file() {
        return file;
    }

    /** Size of the whole file in bytes. */
    public long fileSize() {
        return fileSize;
    }

    /** Absolute byte offset of the data section, 8 plus the header length. */
    public long dataSectionStart() {
        return dataSectionStart;
    }

    /** Returns the {@code __metadata__} entries, empty when the header has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Loads one tensor of this file as float32, widening F16 and BF16.
     *
     * @throws ModelFormatException when the file has no tensor named {@code name} or its dtype cannot be widened
     */
    public NDArray loadFloat32(String name, NDManager manager) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException(file, "no tensor named \"" + name + "\" among the " + tensors.size()
                    + " stored tensors", "Check that the file was written for this purpose");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                NDArray mapped = Float32Loader.load(info, channel, manager)) {
            // The loaded array may share the mapped file memory, so return a copy that outlives the mapping.
            return mapped.duplicate();
        }
    }

    private static long readHeaderLength(Path file, FileChannel channel, long fileSize) throws IOException {
        if (fileSize < 8) {
            throw new ModelFormatException(file,
                    "file is " + fileSize + " bytes long, shorter than the 8-byte safetensors header length",
                    REEXPORT_ADVICE);
        }
        ByteBuffer lengthBytes = ByteBuffer.wrap(readFully(channel, 0, 8)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = lengthBytes.getLong();

        // A negative value is an unsigned length of at least 2^63, so also absurd.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file,
                    "header length " + Long.toUnsignedString(headerLength) + " bytes is larger than the "
                            + MAX_HEADER_BYTES + "-byte limit",
                    REEXPORT_ADVICE);
        }
        if (8 + headerLength > fileSize) {
            throw new ModelFormatException(file,
                    "header length " + headerLength + " bytes runs past the end of the " + fileSize
                            + "-byte file (the file may be truncated)",
                    REEXPORT_ADVICE);
        }
        return headerLength;
    }

    private static byte[] readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.array();
    }

    private static JsonNode parseJson(Path file, byte[] headerBytes) throws ModelFormatException {
        CharBuffer text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes));
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file, "header is not valid UTF-8", REEXPORT_ADVICE, e);
        }

        JsonNode header;
        try {
            header = JSON.readTree(text.toString());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file,
                    "header is not valid JSON (" + e.getOriginalMessage() + ")", REEXPORT_ADVICE, e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(file, "header is not a JSON object", REEXPORT_ADVICE);
        }
        return header;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws ModelFormatException {
        if (!node.isObject()) {
            throw new ModelFormatException(file,
                    "header entry \"" + METADATA_KEY + "\" is not a JSON object", REEXPORT_ADVICE);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> metadata.put(
                entry.getKey(),
                entry.getValue().isTextual() ? entry.getValue().asText() : entry.getValue().toString()));
        return metadata;
    }

    private static TensorInfo parseEntry(
            Path file, String name, JsonNode entry, long dataSectionStart, long dataSectionLength)
            throws ModelFormatException {
        String where = "tensor \"" + name + "\"";
        if (!entry.isObject()) {
            throw new ModelFormatException(file, where + " is not a JSON object", REEXPORT_ADVICE);
        }

        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(file, where + " has no \"dtype\" string", REEXPORT_ADVICE);
        }
        StoredDType dtype = StoredDType.fromSafetensorsName(dtypeNode.asText()).orElseThrow(() ->
                new ModelFormatException(file,
                        where + " has unknown dtype \"" + dtypeNode.asText() + "\"",
                        "Supported are F32, F16 and BF16; convert the model to one of them in Python"));

        long[] shape = readNonNegativeLongs(file, where, entry, "shape", -1);
        long[] offsets = readNonNegativeLongs(file, where, entry, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSectionLength) {
            throw new ModelFormatException(file,
                    where + " has data_offsets [" + begin + ", " + end + "] outside the data section of "
                            + dataSectionLength + " bytes",
                    REEXPORT_ADVICE);
        }

        long expectedBytes;
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            expectedBytes = Math.multiplyExact(elements, (long) dtype.sizeBytes());
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, where + " has a shape whose size overflows 64 bits",
                    REEXPORT_ADVICE, e);
        }
        if (end - begin != expectedBytes) {
            throw new ModelFormatException(file,
                    where + " has " + (end - begin) + " data bytes but shape " + Arrays.toString(shape)
                            + " of " + dtype + " needs " + expectedBytes,
                    REEXPORT_ADVICE);
        }
        return new TensorInfo(name, dtype, shape, file, dataSectionStart + begin, end - begin);
    }

    private static long[] readNonNegativeLongs(
            Path file, String where, JsonNode entry, String key, int requiredLength)
            throws ModelFormatException {
        JsonNode node = entry.get(key);
        if (node == null || !node.isArray()) {
            throw new ModelFormatException(file, where + " has no \"" + key + "\" array", REEXPORT_ADVICE);
        }
        if (requiredLength >= 0 && node.size() != requiredLength) {
            throw new ModelFormatException(file,
                    where + " has \"" + key + "\" with " + node.size() + " values, expected " + requiredLength,
                    REEXPORT_ADVICE);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = node.get(i);
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
                throw new ModelFormatException(file,
                        where + " has \"" + key + "\" value " + value + ", expected a non-negative integer",
                        REEXPORT_ADVICE);
            }
            values[i] = value.asLong();
        }
        return values;
    }

    private static void checkNoOverlap(Path file, Iterable<TensorInfo> tensors) throws ModelFormatException {
        List<TensorInfo> byStart = new ArrayList<>();
        tensors.forEach(byStart::add);
        byStart.sort(Comparator.comparingLong(TensorInfo::dataStart).thenComparingLong(TensorInfo::byteLength));

        TensorInfo previous = null;
        for (TensorInfo current : byStart) {
            // Empty tensors own no bytes, so they cannot overlap anything.
            if (current.byteLength() == 0) {
                continue;
            }
            if (previous != null && current.dataStart() < previous.dataStart() + previous.byteLength()) {
                throw new ModelFormatException(file,
                        "tensors \"" + previous.name() + "\" and \"" + current.name() + "\" overlap in the data section",
                        REEXPORT_ADVICE);
            }
            previous = current;
        }
    }
}
