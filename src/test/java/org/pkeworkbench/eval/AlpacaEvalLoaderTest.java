package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** AlpacaEval import on the real AlpacaEval files and on malformed files written here. */
class AlpacaEvalLoaderTest {

    private static final String FIRST_INSTRUCTION =
            "What are the names of some famous actors that started their careers on Broadway?";

    @TempDir
    Path dir;

    private static Path alpacaEval(String name) {
        return SharedFiles.shared().resolve("data").resolve("alpaca_eval").resolve(name);
    }

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("alpaca.json"), content, StandardCharsets.UTF_8);
    }

    private DatasetFormatException loadFails(Path file) {
        return assertThrows(DatasetFormatException.class, () -> AlpacaEvalLoader.load(file));
    }

    @Test
    void promptsFileHas805Instructions() throws IOException {
        List<ReferencePrompt> records = AlpacaEvalLoader.load(alpacaEval("alpaca_eval_prompts_805.json"));

        assertEquals(805, records.size());
        ReferencePrompt first = records.get(0);
        assertEquals("0", first.id());
        assertEquals(FIRST_INSTRUCTION, first.prompt());
        assertNull(first.reference(), "the prompts-only file has no outputs");
        assertFalse(first.hasReference());
        assertNull(first.generator());
        assertEquals("helpful_base", first.dataset());
        assertEquals("804", records.get(804).id());
    }

    @Test
    void modelOutputsFileHasReferences() throws IOException {
        List<ReferencePrompt> records = AlpacaEvalLoader.load(alpacaEval("model_outputs_gpt4_1106_preview.json"));

        assertEquals(805, records.size());
        ReferencePrompt first = records.get(0);
        assertEquals(FIRST_INSTRUCTION, first.prompt());
        assertEquals("gpt4_1106_preview", first.generator());
        assertEquals("helpful_base", first.dataset());
        assertNotNull(first.reference());
        assertTrue(first.reference().length() > 100, first.reference());
    }

    @Test
    void emptyOutputsAreKept() throws IOException {
        List<ReferencePrompt> records = AlpacaEvalLoader.load(alpacaEval("model_outputs_text_davinci_003.json"));

        assertEquals("", records.get(247).reference(), "text-davinci-003 answered record 247 with nothing");
        assertTrue(records.get(247).hasReference());
        assertEquals(805, records.stream().filter(ReferencePrompt::hasReference).count());
    }

    @Test
    void instructionsAlignAcrossFiles() throws IOException {
        List<ReferencePrompt> prompts = AlpacaEvalLoader.load(alpacaEval("alpaca_eval_prompts_805.json"));
        List<ReferencePrompt> outputs = AlpacaEvalLoader.load(alpacaEval("model_outputs_llama-2-7b-chat-hf.json"));

        assertEquals(prompts.stream().map(ReferencePrompt::prompt).toList(),
                outputs.stream().map(ReferencePrompt::prompt).toList());
    }

    @Test
    void datasetLoaderReadsAlpacaEvalPrompts() throws IOException {
        List<EditRecord> prompts = DatasetLoader.load(alpacaEval("alpaca_eval_prompts_805.json"));
        List<EditRecord> outputs = DatasetLoader.load(alpacaEval("model_outputs_text_davinci_003.json"));

        assertEquals(805, prompts.size());
        assertEquals(FIRST_INSTRUCTION, prompts.get(0).prompt());
        assertEquals(805, outputs.size(), "\"output\" and \"generator\" are ignored, not errors");
        assertEquals(FIRST_INSTRUCTION, outputs.get(0).prompt());
        assertNull(outputs.get(0).safe(), "an AlpacaEval output is no safe response");
    }

    @Test
    void optionalFieldsAndIds() throws IOException {
        Path file = write("""
                [
                  {"instruction": "one", "output": "first answer", "generator": "m", "id": 7},
                  {"instruction": "two", "output": "  ", "dataset": null, "extra": [1, 2]},
                  {"instruction": "three", "output": null, "id": "x-3"}
                ]
                """);

        List<ReferencePrompt> records = AlpacaEvalLoader.load(file);

        assertEquals(3, records.size());
        assertEquals("7", records.get(0).id());
        assertEquals("first answer", records.get(0).reference());
        assertEquals("m", records.get(0).generator());
        assertEquals("1", records.get(1).id());
        assertEquals("  ", records.get(1).reference(), "a blank output is an empty response, kept as stored");
        assertTrue(records.get(1).hasReference());
        assertNull(records.get(1).dataset());
        assertEquals("x-3", records.get(2).id());
        assertNull(records.get(2).reference());
    }

    @Test
    void missingInstructionNamesLine() throws IOException {
        Path file = write("[\n  {\"instruction\": \"ok\"},\n  {\"output\": \"no instruction\"}\n]\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("record 1 has no \"instruction\""), e.getMessage());
    }

    @Test
    void blankInstructionIsMissing() throws IOException {
        DatasetFormatException e = loadFails(write("[{\"instruction\": \"   \"}]"));

        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("no \"instruction\""), e.getMessage());
    }

    @Test
    void nonStringOutputNamesLineAndKey() throws IOException {
        Path file = write("[\n{\"instruction\": \"a\", \"output\": \"b\"},\n\n{\"instruction\": \"c\",\n \"output\": 42}]");

        DatasetFormatException e = loadFails(file);

        assertEquals(4, e.line(), "the line where the record starts");
        assertTrue(e.getMessage().contains("\"output\" as a JSON number"), e.getMessage());
    }

    @Test
    void nonObjectRecordNamesLine() throws IOException {
        DatasetFormatException e = loadFails(write("[\n{\"instruction\": \"a\"},\n\"just text\"\n]"));

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("record 1 is a JSON string, not an object"), e.getMessage());
    }

    @Test
    void objectIdIsRejected() throws IOException {
        DatasetFormatException e = loadFails(write("[{\"instruction\": \"a\", \"id\": {\"n\": 1}}]"));

        assertTrue(e.getMessage().contains("\"id\" that is a JSON object"), e.getMessage());
    }

    @Test
    void invalidJsonNamesLine() throws IOException {
        DatasetFormatException e = loadFails(write("[\n{\"instruction\": \"a\"},\n{\"instruction\": \"b\"\n]"));

        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
    }

    @Test
    void topLevelObjectIsRejected() throws IOException {
        DatasetFormatException e = loadFails(write("{\"instruction\": \"a\"}"));

        assertTrue(e.getMessage().contains("not an array"), e.getMessage());
    }

    @Test
    void emptyArrayAndEmptyFileAreRejected() throws IOException {
        DatasetFormatException emptyArray = loadFails(write("[ ]"));
        assertTrue(emptyArray.getMessage().contains("no records"), emptyArray.getMessage());

        DatasetFormatException emptyFile = loadFails(write("  \n"));
        assertTrue(emptyFile.getMessage().contains("empty"), emptyFile.getMessage());
    }

    @Test
    void trailingContentIsRejected() throws IOException {
        DatasetFormatException e = loadFails(write("[{\"instruction\": \"a\"}]\n[]"));

        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("after the closing"), e.getMessage());
    }

    @Test
    void missingFileNamesPath() {
        Path missing = dir.resolve("absent.json");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AlpacaEvalLoader.load(missing));

        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
