package org.pkeworkbench.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

class TextTokenizerTest {

    private static TextTokenizer stories;

    @BeforeAll
    static void loadStories() throws Exception {
        stories = TextTokenizer.load(SharedFiles.stories260K());
    }

    @AfterAll
    static void closeStories() {
        stories.close();
    }

    @Test
    void encodeAddsBosForStories() {
        assertArrayEquals(new long[] {1, 403, 407, 261, 378}, stories.encode("Once upon a time", true));
        assertArrayEquals(new long[] {403, 407, 261, 378}, stories.encode("Once upon a time", false));
    }

    @Test
    void encodeDoesNotAddSecondBos() {
        assertArrayEquals(new long[] {1, 403}, stories.encode("<s>Once", true));
    }

    @Test
    void specialTokenIds() {
        assertEquals(OptionalLong.of(1), stories.bosTokenId());
        assertEquals(List.of(2L), stories.eosTokenIds());
        assertTrue(stories.addsBos());
        assertEquals(512, stories.vocabSize());
        assertEquals(OptionalLong.of(13), stories.tokenToId("<0x0A>"));
        assertEquals(Optional.of("▁Once"), stories.idToToken(403));
        assertEquals(OptionalLong.empty(), stories.tokenToId("no such token"));
        assertEquals(Optional.empty(), stories.chatTemplate());
    }

    @Test
    void decodeRoundTrip() {
        for (String text : List.of("Once upon a time", "Hi\n  there  é 日本 🙂", "Lily's mom said, \"Lily!\"\n\nThe end.")) {
            long[] ids = stories.encode(text, true);
            assertEquals(text, stories.decode(ids, true), "round trip of " + text);
        }
    }

    @Test
    void decodeKeepsSpecialTokensWhenAsked() {
        assertEquals("<s> Once\n</s>", stories.decode(new long[] {1, 403, 13, 2}, false));
        assertEquals("Once\n", stories.decode(new long[] {1, 403, 13, 2}, true));
    }

    @Test
    void decodeRejectsIdOutsideVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> stories.decode(new long[] {403, 512}, true));
    }

    /**
     * The text that llama2.c's run.c printed holds one more token (a closing quote) than the reference ids,
     * then its speed report "achieved tok/s: ..." with no newline before it.
     */
    @Test
    void greedyIdsDecodeToRunCText() throws Exception {
        Path dir = SharedFiles.stories260K();
        JsonNode ids = new ObjectMapper().readTree(dir.resolve("reference_outputs.json").toFile()).get("greedy_from_bos_ids");
        long[] generated = new long[ids.size() - 1];
        for (int i = 1; i < ids.size(); i++) {
            generated[i - 1] = ids.get(i).asLong();
        }
        String runC = Files.readString(dir.resolve("greedy_output_run_c.txt"));
        String story = runC.substring(0, runC.indexOf("achieved tok/s"));

        String decoded = stories.decode(generated, true);
        assertEquals(story.substring(0, story.length() - 1), decoded);
        assertEquals("\"", story.substring(story.length() - 1));

        long[] withQuote = java.util.Arrays.copyOf(generated, generated.length + 1);
        withQuote[generated.length] = stories.tokenToId("\"").orElseThrow();
        assertEquals(story, stories.decode(withQuote, true));
    }

    @Test
    void streamingDecoderPiecesConcatenateToDecode() {
        long[] ids = stories.encode("Hi\n  there  é 日本 🙂 end", true);
        StreamingDecoder decoder = stories.streamingDecoder(true);
        StringBuilder pieces = new StringBuilder();
        for (long id : ids) {
            String piece = decoder.push(id);
            assertFalse(piece.contains("\uFFFD"), "piece with a broken character: " + piece);
            pieces.append(piece);
        }
        assertEquals(stories.decode(ids, true), pieces.toString());
        assertEquals(pieces.toString(), decoder.text());
    }

    @Test
    void fixtureWithoutBosInPostProcessorAddsNone() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(SharedFiles.fixture("tiny-llama3"))) {
            assertFalse(tokenizer.addsBos());
            long[] ids = tokenizer.encode("Hello", true);
            assertEquals("Hello", tokenizer.decode(ids, false));
            assertTrue(tokenizer.chatTemplate().isPresent());
            assertEquals(List.of(tokenizer.tokenToId("<|eot_id|>").orElseThrow()), tokenizer.eosTokenIds());
        }
    }

    @Test
    void configWithObjectTokensAndTemplateList(@TempDir Path dir) throws Exception {
        Files.copy(SharedFiles.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": false,
                 "model_max_length": 1000000000000000019884624838656,
                 "chat_template": [{"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}"},
                                   {"name": "rag", "template": "RAG"}]}
                """);

        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            assertFalse(tokenizer.addsBos());
            assertArrayEquals(new long[] {403}, tokenizer.encode("Once", true));
            assertEquals(OptionalLong.empty(), tokenizer.settings().modelMaxLength());
            assertEquals("<s>hi", tokenizer.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hi")), true));
            assertEquals("RAG", tokenizer.chatTemplate("rag").orElseThrow().render(List.of(), true));
        }
    }

    @Test
    void missingTokenizerJsonNamesFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        TokenizerFileException error = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer.json"), error.file());
        assertTrue(error.getMessage().contains("not found"), error.getMessage());
    }

    @Test
    void malformedTokenizerJsonNamesFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\n  \"model\": {\n    \"vocab\": [,\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        TokenizerFileException error = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertTrue(error.getMessage().startsWith(dir.resolve("tokenizer.json").toString()), error.getMessage());
        assertTrue(error.getMessage().contains("invalid JSON at line 3"), error.getMessage());
    }

    @Test
    void tokenizerJsonWithoutVocabularyIsRejected(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        TokenizerFileException error = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertTrue(error.getMessage().contains("model.vocab"), error.getMessage());
    }

    @Test
    void missingTokenizerConfigNamesFile(@TempDir Path dir) throws Exception {
        Files.copy(SharedFiles.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        TokenizerFileException error = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json"), error.file());
    }

    @Test
    void malformedTokenizerConfigNamesFile(@TempDir Path dir) throws Exception {
        Files.copy(SharedFiles.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Path config = dir.resolve("tokenizer_config.json");

        Files.writeString(config, "{\"bos_token\": \"<s>\",}");
        TokenizerFileException invalidJson = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertEquals(config, invalidJson.file());
        assertTrue(invalidJson.getMessage().contains("invalid JSON"), invalidJson.getMessage());

        Files.writeString(config, "{\"add_bos_token\": \"yes\"}");
        TokenizerFileException wrongType = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertTrue(wrongType.getMessage().contains("add_bos_token"), wrongType.getMessage());

        Files.writeString(config, "{\"bos_token\": 5}");
        TokenizerFileException badToken = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertTrue(badToken.getMessage().contains("bos_token must be a string"), badToken.getMessage());

        Files.writeString(config, "{\"chat_template\": 5}");
        TokenizerFileException badTemplate = assertThrows(TokenizerFileException.class, () -> TextTokenizer.load(dir));
        assertTrue(badTemplate.getMessage().contains("chat_template"), badTemplate.getMessage());
    }

    @Test
    void cleanUpTokenizationSpacesMatchesTransformers() {
        assertEquals("Hello, world. I don't know?", TextTokenizer.cleanUpTokenizationSpaces("Hello , world . I do n't know ?"));
    }
}
