package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/** {@code prompt} against the chat prompts that transformers rendered for the fixtures. */
class PromptCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-qwen2", "tiny-llama3-bf16-sharded"})
    void printsExactlyTheReferencePrompt(String fixture) throws IOException {
        Path model = SharedFiles.fixture(fixture);
        JsonNode expected = JSON.readTree(model.resolve("expected.json").toFile());
        Path messages = temp.resolve("messages.json");
        JSON.writeValue(messages.toFile(), expected.get("chat_messages"));

        CliRun run = CliRun.of("prompt", "--model", model.toString(), "--messages", messages.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(expected.get("chat_rendered").asText(), run.out());
    }

    @Test
    void noGenerationPromptOmitsTheAssistantHeader() throws IOException {
        Path model = SharedFiles.fixture("tiny-llama3");
        JsonNode expected = JSON.readTree(model.resolve("expected.json").toFile());
        Path messages = temp.resolve("messages.json");
        JSON.writeValue(messages.toFile(), expected.get("chat_messages"));
        String header = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        String rendered = expected.get("chat_rendered").asText();
        assertTrue(rendered.endsWith(header), "the reference ends with the assistant header");

        CliRun run = CliRun.of("prompt", "--model", model.toString(), "--messages", messages.toString(),
                "--no-generation-prompt");

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(rendered.substring(0, rendered.length() - header.length()), run.out());
    }

    @Test
    void templateRaiseExitsNonZeroWithItsMessage() throws IOException {
        Path model = CliRun.copyModel(SharedFiles.fixture("tiny-llama3"), temp.resolve("model"));
        Path config = model.resolve("tokenizer_config.json");
        ObjectNode tokenizerConfig = (ObjectNode) JSON.readTree(config.toFile());
        tokenizerConfig.put("chat_template", "{% for message in messages %}"
                + "{% if message['role'] == 'tool' %}{{ raise_exception('Tool messages are not supported here') }}"
                + "{% endif %}{{ message['content'] }}{% endfor %}");
        JSON.writeValue(config.toFile(), tokenizerConfig);
        Path messages = temp.resolve("messages.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"tool\", \"content\": \"x\"}]");

        CliRun run = CliRun.of("prompt", "--model", model.toString(), "--messages", messages.toString());

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Tool messages are not supported here"), run::toString);
        assertFalse(run.out().contains("hi"), "nothing rendered on stdout");
    }

    @Test
    void modelWithoutTemplateIsRejected() throws IOException {
        Path messages = temp.resolve("messages.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"hi\"}]");

        CliRun run = CliRun.of("prompt", "--model", SharedFiles.fixture("tiny-gpt2").toString(),
                "--messages", messages.toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("chat_template"), run::toString);
    }
}
