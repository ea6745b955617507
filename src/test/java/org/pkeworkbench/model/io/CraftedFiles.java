package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes hand-made safetensors files, valid or deliberately broken, for tests. */
final class CraftedFiles {

    private CraftedFiles() {}

    /** Writes a file with the given header text and {@code dataBytes} zero bytes of data. */
    static Path write(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, header.length, header, new byte[dataBytes]);
    }

    /** Writes a file with an explicit header length field, which may disagree with the header. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(declaredHeaderLength).put(header).put(data);
        Files.write(file, buffer.array());
        return file;
    }

    /** Writes a valid F32 file whose data are {@code values}, as one tensor of shape [values.length]. */
    static Path writeFloat32Vector(Path file, String name, float... values) throws IOException {
        String header = "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + values.length
                + "],\"data_offsets\":[0," + (4 * values.length) + "]}}";
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            data.putFloat(value);
        }
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        return write(file, headerBytes.length, headerBytes, data.array());
    }
}
