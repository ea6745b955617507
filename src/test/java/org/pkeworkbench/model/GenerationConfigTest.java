package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

class GenerationConfigTest {

    @Test
    void readsStoriesConfig() throws IOException {
        GenerationConfig config = GenerationConfig.load(SharedFiles.stories260K());

        assertEquals(OptionalLong.of(1), config.bosTokenId());
        assertEquals(List.of(2L), config.eosTokenIds());
        assertFalse(config.doSample());
        assertEquals(OptionalInt.of(256), config.maxNewTokens());
        assertEquals(1.0, config.temperature());
        assertEquals(50, config.topK());
    }

    @Test
    void missingFileGivesDefaults(@TempDir Path dir) throws IOException {
        assertEquals(GenerationConfig.defaults(), GenerationConfig.load(dir));
    }

    @Test
    void readsEosListAndSampling(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), """
                {"eos_token_id": [128001, 128009], "pad_token_id": null, "do_sample": true,
                 "temperature": 0.6, "top_p": 0.9, "top_k": 20, "max_length": 4096, "repetition_penalty": 1.1}
                """);
        GenerationConfig config = GenerationConfig.load(dir);

        assertEquals(List.of(128001L, 128009L), config.eosTokenIds());
        assertEquals(OptionalLong.empty(), config.padTokenId());
        assertTrue(config.doSample());
        assertEquals(0.6, config.temperature());
        assertEquals(0.9, config.topP());
        assertEquals(20, config.topK());
        assertEquals(4096, config.maxLength());
        assertEquals(OptionalInt.empty(), config.maxNewTokens());
        assertEquals(1.1, config.repetitionPenalty());
    }

    @Test
    void malformedJsonNamesFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("generation_config.json");
        Files.writeString(file, "{\"eos_token_id\": 2,,}");
        IOException error = assertThrows(IOException.class, () -> GenerationConfig.load(dir));
        assertTrue(error.getMessage().startsWith(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("invalid JSON"), error.getMessage());
    }

    @Test
    void wrongTypeNamesField(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), "{\"temperature\": \"hot\"}");
        IOException error = assertThrows(IOException.class, () -> GenerationConfig.load(dir));
        assertTrue(error.getMessage().contains("temperature must be a number"), error.getMessage());
    }
}
