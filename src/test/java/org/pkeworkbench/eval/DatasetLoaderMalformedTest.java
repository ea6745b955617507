package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** Loader behaviour on small files written here, well-formed and malformed. */
class DatasetLoaderMalformedTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private DatasetFormatException loadFails(Path file) {
        return assertThrows(DatasetFormatException.class, () -> DatasetLoader.load(file));
    }

    @Test
    void csvUnterminatedQuoteNamesLine() throws IOException {
        Path file = write("bad.csv", "goal,target\nfirst,ok\n\"second, never closed,x\nthird,y\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("not closed"), e.getMessage());
    }

    @Test
    void csvMissingColumnNamesLine() throws IOException {
        Path file = write("short.csv", "goal,target\n\"a, b\",t1\n\"multi\nline\",t2\nonly-one-field\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("expected 2 fields"), e.getMessage());
        assertTrue(e.getMessage().contains("found 1"), e.getMessage());
    }

    @Test
    void csvWithoutPromptColumnListsNames() throws IOException {
        Path file = write("noprompt.csv", "target,other\nx,y\n");

        DatasetFormatException e = loadFails(file);

        assertTrue(e.getMessage().contains("[target, other]"), e.getMessage());
        assertTrue(e.getMessage().contains("goal"), e.getMessage());
    }

    @Test
    void csvEmptyPromptRejected() throws IOException {
        Path file = write("empty-prompt.csv", "goal\nfine\n\"  \"\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void csvHeaderOnlyIsEmptyDataset() throws IOException {
        DatasetFormatException e = loadFails(write("header.csv", "goal,target\n"));

        assertTrue(e.getMessage().contains("no records"), e.getMessage());
    }

    @Test
    void csvSafeAndUnsafeColumnsRead() throws IOException {
        Path file = write("pairs.csv", "id,prompt,safe,unsafe\nr1,\"Say \"\"hi\"\"\",No.,\"Sure,\nhi\"\n");

        List<EditRecord> records = DatasetLoader.load(file);

        assertEquals(1, records.size());
        assertEquals("r1", records.get(0).id());
        assertEquals("Say \"hi\"", records.get(0).prompt());
        assertEquals("No.", records.get(0).safe());
        assertEquals("Sure,\nhi", records.get(0).unsafe());
    }

    @Test
    void jsonlBadLineNamesLineNumber() throws IOException {
        Path file = write("bad.jsonl", "{\"prompt\": \"one\"}\n\n{\"prompt\": \"two\"\n{\"prompt\": \"three\"}\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(file + ", line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("[Source:"), e.getMessage());
    }

    @Test
    void jsonlMissingPromptNamesRecord() throws IOException {
        Path file = write("noprompt.jsonl", "{\"prompt\": \"one\"}\n{\"safe\": \"x\"}\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("record 1 has no prompt"), e.getMessage());
    }

    @Test
    void jsonlWrongTypeNamesField() throws IOException {
        Path file = write("types.jsonl", "{\"prompt\": \"one\", \"safe\": 42}\n");

        DatasetFormatException e = loadFails(file);

        assertTrue(e.getMessage().contains("\"safe\" as a JSON number"), e.getMessage());
    }

    @Test
    void jsonlPromptOnlyAndFullRecords() throws IOException {
        Path file = write("mixed.jsonl",
                "{\"prompt\": \"p1\"}\r\n{\"id\": \"x\", \"prompt\": \"p2\", \"safe\": \"s\", \"unsafe\": \"u\", \"category\": \"c\"}\r\n");

        List<EditRecord> records = DatasetLoader.load(file);

        assertEquals(2, records.size());
        assertEquals(new EditRecord("0", "p1", null, null, null), records.get(0));
        assertEquals(new EditRecord("x", "p2", "s", "u", "c"), records.get(1));
    }

    @Test
    void jsonArrayErrorNamesLine() throws IOException {
        Path file = write("bad.json", "[\n  {\"prompt\": \"a\"},\n  {\"prompt\": \"b\",}\n]\n");

        DatasetFormatException e = loadFails(file);

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
    }

    @Test
    void jsonArrayOfStringsRejected() throws IOException {
        Path file = write("strings.json", "[\n\"a\",\n\"b\"\n]");

        DatasetFormatException e = loadFails(file);

        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("record 0 is a JSON string, not an object"), e.getMessage());
    }

    @Test
    void emptyTextFileRejected() throws IOException {
        DatasetFormatException e = loadFails(write("prompts.txt", ""));

        assertTrue(e.getMessage().contains("the file is empty"), e.getMessage());
    }

    @Test
    void emptyJsonArrayRejected() throws IOException {
        DatasetFormatException e = loadFails(write("empty.json", "[]"));

        assertTrue(e.getMessage().contains("no records"), e.getMessage());
    }

    @Test
    void blankFileRejected() throws IOException {
        DatasetFormatException e = loadFails(write("blank.jsonl", " \n\n"));

        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void invalidUtf8Rejected() throws IOException {
        Path file = dir.resolve("latin1.csv");
        Files.write(file, new byte[] {'g', 'o', 'a', 'l', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});

        DatasetFormatException e = loadFails(file);

        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void unknownExtensionWithTextRejected() throws IOException {
        DatasetFormatException e = loadFails(write("prompts.txt", "just some lines\nof text\n"));

        assertTrue(e.getMessage().contains(".jsonl"), e.getMessage());
    }

    @Test
    void unknownExtensionSniffedAsJsonLines() throws IOException {
        List<EditRecord> records = DatasetLoader.load(write("prompts.txt", "{\"prompt\": \"hello\"}\n"));

        assertEquals(1, records.size());
    }

    @Test
    void missingFileNamed() {
        Path missing = dir.resolve("missing.csv");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> DatasetLoader.load(missing));

        assertTrue(e.getMessage().contains("missing.csv"), e.getMessage());
    }

    @Test
    void safeEditShapeInJsonLines() throws IOException {
        Path file = write("safeedit.jsonl", "{\"id\": 7, \"adversarial prompt\": \"ap\", \"safe generation\": \"no\","
                + " \"unsafe generation\": \"yes\", \"unsafety category\": \"cat\", \"question\": \"q\"}\n");

        EditRecord record = DatasetLoader.load(file).get(0);

        assertEquals("7", record.id());
        assertEquals("ap", record.prompt());
        assertEquals("no", record.safe());
        assertEquals("yes", record.unsafe());
        assertEquals("cat", record.category());
        assertEquals("q", record.generalization().harmfulQuestion());
        assertNull(record.knowledgeConstraint());
    }
}
