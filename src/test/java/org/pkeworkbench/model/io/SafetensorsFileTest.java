package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    private static final String ONE_TENSOR = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";

    @Test
    void validHeaderParses() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("ok.safetensors"),
                "{\"__metadata__\":{\"format\":\"pt\",\"n\":3},\"b\":{\"dtype\":\"BF16\",\"shape\":[4],"
                        + "\"data_offsets\":[24,32]},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                        + "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]}}",
                40);

        SafetensorsFile parsed = SafetensorsFile.read(file);

        assertEquals("pt", parsed.metadata().get("format"));
        assertEquals("3", parsed.metadata().get("n"), "non-string metadata is kept as JSON text");
        assertEquals(3, parsed.tensors().size());
        TensorInfo b = parsed.tensors().get("b");
        assertEquals(StoredDType.BF16, b.dtype());
        assertArrayEquals(new long[] {4}, b.shape());
        assertEquals(parsed.dataSectionStart() + 24, b.dataStart());
        assertEquals(8, b.byteLength());
        assertEquals(1, parsed.tensors().get("s").elementCount(), "a scalar has one element");
    }

    @Test
    void fileShorterThanEightBytesRejected() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[5]);
        assertRejected(file, "5 bytes long, shorter than the 8-byte");
    }

    @Test
    void headerPastEndOfFileRejected() throws IOException {
        byte[] header = ONE_TENSOR.getBytes(StandardCharsets.UTF_8);
        Path file = CraftedFiles.write(dir.resolve("truncated.safetensors"), header.length + 100, header, new byte[24]);
        assertRejected(file, "runs past the end");
    }

    @Test
    void absurdHeaderLengthRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("huge.safetensors"), 200_000_000L, new byte[0], new byte[0]);
        assertRejected(file, "larger than the 100000000-byte limit");

        Path negative = CraftedFiles.write(dir.resolve("negative.safetensors"), -1L, new byte[0], new byte[0]);
        assertRejected(negative, "18446744073709551615");
    }

    @Test
    void invalidJsonRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("json.safetensors"), "{\"w\": [", 0);
        assertRejected(file, "header is not valid JSON");

        Path array = CraftedFiles.write(dir.resolve("array.safetensors"), "[1, 2]", 0);
        assertRejected(array, "header is not a JSON object");

        Path duplicate = CraftedFiles.write(dir.resolve("duplicate.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8);
        assertRejected(duplicate, "header is not valid JSON (Duplicate field 'w')");
    }

    @Test
    void invalidUtf8Rejected() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Path file = CraftedFiles.write(dir.resolve("utf8.safetensors"), header.length, header, new byte[0]);
        assertRejected(file, "header is not valid UTF-8");
    }

    @Test
    void missingFieldsRejected() throws IOException {
        assertRejected(CraftedFiles.write(dir.resolve("nodtype.safetensors"),
                "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor \"w\" has no \"dtype\" string");
        assertRejected(CraftedFiles.write(dir.resolve("noshape.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor \"w\" has no \"shape\" array");
        assertRejected(CraftedFiles.write(dir.resolve("nooffsets.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor \"w\" has no \"data_offsets\" array");
        assertRejected(CraftedFiles.write(dir.resolve("threeoffsets.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8), "with 3 values, expected 2");
        assertRejected(CraftedFiles.write(dir.resolve("negativedim.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "expected a non-negative integer");
        assertRejected(CraftedFiles.write(dir.resolve("notobject.safetensors"),
                "{\"w\":5}", 4), "tensor \"w\" is not a JSON object");
    }

    @Test
    void offsetsOutsideDataSectionRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("range.safetensors"), ONE_TENSOR, 20);
        assertRejected(file, "data_offsets [0, 24] outside the data section of 20 bytes");

        Path reversed = CraftedFiles.write(dir.resolve("reversed.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8);
        assertRejected(reversed, "data_offsets [8, 4] outside the data section");
    }

    @Test
    void overlappingTensorsRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                16);
        assertRejected(file, "tensors \"a\" and \"b\" overlap");
    }

    @Test
    void byteLengthMismatchRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("size.safetensors"),
                "{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24);
        assertRejected(file, "has 24 data bytes but shape [2, 3] of F16 needs 12");
    }

    @Test
    void unknownDtypeRejected() throws IOException {
        Path file = CraftedFiles.write(dir.resolve("dtype.safetensors"),
                "{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        ModelFormatException error = assertRejected(file, "has unknown dtype \"Q4_K\"");
        assertTrue(error.getMessage().contains("Supported are F32, F16 and BF16"), error.getMessage());
    }

    @Test
    void missingFileNamesPath() {
        Path file = dir.resolve("absent.safetensors");
        assertRejected(file, "file not found");
    }

    private static ModelFormatException assertRejected(Path file, String expectedProblem) {
        ModelFormatException error = assertThrows(ModelFormatException.class, () -> SafetensorsFile.read(file));
        String message = error.getMessage();
        assertTrue(message.startsWith(file.toString() + ": "), "message names the file: " + message);
        assertTrue(message.contains(expectedProblem), "message names the problem: " + message);
        assertEquals(file, error.file());
        return error;
    }
}
