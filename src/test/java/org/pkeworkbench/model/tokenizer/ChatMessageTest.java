package org.pkeworkbench.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatMessageTest {

    @TempDir
    Path dir;

    private String errorFor(String json) throws IOException {
        Path file = dir.resolve("messages.json");
        Files.writeString(file, json);
        IOException error = assertThrows(IOException.class, () -> ChatMessage.readJsonList(file));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        return error.getMessage();
    }

    @Test
    void readsConversation() throws IOException {
        Path file = dir.resolve("messages.json");
        Files.writeString(file, """
                [{"role": "system", "content": "Be brief."},
                 {"content": "  Hi\\n", "role": "user"}]
                """);
        assertEquals(List.of(ChatMessage.system("Be brief."), ChatMessage.user("  Hi\n")), ChatMessage.readJsonList(file));
    }

    @Test
    void missingFile() {
        assertThrows(NoSuchFileException.class, () -> ChatMessage.readJsonList(dir.resolve("absent.json")));
    }

    @Test
    void invalidJsonGivesLine() throws IOException {
        String message = errorFor("[\n{\"role\": \"user\",\n \"content\": }\n]");
        assertTrue(message.contains("line 3"), message);
    }

    @Test
    void topLevelMustBeArray() throws IOException {
        assertTrue(errorFor("{\"role\": \"user\"}").contains("JSON array"));
    }

    @Test
    void missingFieldNamesMessageAndLine() throws IOException {
        String message = errorFor("[\n{\"role\": \"user\", \"content\": \"a\"},\n{\"role\": \"assistant\"}\n]");
        assertTrue(message.contains("message 1 (line 3)"), message);
        assertTrue(message.contains("missing field \"content\""), message);
    }

    @Test
    void nonStringContentRejected() throws IOException {
        String message = errorFor("[{\"role\": \"user\", \"content\": 5}]");
        assertTrue(message.contains("\"content\" must be a string"), message);
    }

    @Test
    void unknownFieldRejected() throws IOException {
        String message = errorFor("[{\"role\": \"user\", \"content\": \"a\", \"name\": \"bob\"}]");
        assertTrue(message.contains("\"name\" is not supported"), message);
    }
}
