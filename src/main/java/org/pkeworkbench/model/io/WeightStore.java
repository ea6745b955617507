package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** TEMPORARY minimal reader, replaced by the full validating implementation. */
public final class WeightStore implements AutoCloseable {
    private record Entry(Path file, String dtype, long[] shape, long start, long length) {}

    private final Map<String, Entry> entries = new HashMap<>();

    private WeightStore() {}

    public static WeightStore open(Path dir) throws IOException {
        WeightStore store = new WeightStore();
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectMapper mapper = new ObjectMapper();
        if (Files.exists(index)) {
            JsonNode map = mapper.readTree(index.toFile()).get("weight_map");
            Set<String> files = new java.util.TreeSet<>();
            map.fields().forEachRemaining(e -> files.add(e.getValue().asText()));
            for (String f : files) {
                store.readHeader(dir.resolve(f), mapper);
            }
        } else {
            store.readHeader(dir.resolve("model.safetensors"), mapper);
        }
        return store;
    }

    private void readHeader(Path file, ObjectMapper mapper) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate((int) n);
            ch.read(header, 8);
            JsonNode root = mapper.readTree(new String(header.array(), StandardCharsets.UTF_8));
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode v = e.getValue();
                long[] shape = new long[v.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = v.get("shape").get(i).asLong();
                }
                long b = v.get("data_offsets").get(0).asLong();
                long end = v.get("data_offsets").get(1).asLong();
                entries.put(e.getKey(), new Entry(file, v.get("dtype").asText(), shape, 8 + n + b, end - b));
            }
        }
    }

    public Set<String> names() {
        return entries.keySet();
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public NDArray loadFloat32(String name, NDManager manager) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IOException("missing tensor " + name);
        }
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(e.file, StandardOpenOption.READ)) {
            buf = ch.map(FileChannel.MapMode.READ_ONLY, e.start, e.length).order(ByteOrder.LITTLE_ENDIAN);
        }
        Shape shape = new Shape(e.shape);
        if (e.dtype.equals("F32")) {
            return manager.create(buf, shape, DataType.FLOAT32);
        }
        int count = (int) (e.length / 2);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            short s = buf.getShort(2 * i);
            out[i] = Float.intBitsToFloat((s & 0xffff) << 16);
        }
        return manager.create(out, shape);
    }

    @Override
    public void close() {}
}
