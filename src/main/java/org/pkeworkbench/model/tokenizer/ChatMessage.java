package org.pkeworkbench.model.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One turn of a conversation, as a chat template receives it.
 *
 * @param role usually {@code system}, {@code user} or {@code assistant}
 * @param content the message text
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /**
     * Reads a conversation from a JSON file holding an array of {@code {"role": ..., "content": ...}}
     * objects, the format of {@code transformers}' {@code apply_chat_template}.
     *
     * @throws IOException when the file is missing or unreadable, is not valid JSON (the message gives the
     *     line and column), or an entry is not an object with string fields {@code role} and {@code content}
     */
    public static List<ChatMessage> readJsonList(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "messages file not found");
        }
        ObjectMapper mapper = new ObjectMapper();
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

        List<ChatMessage> messages = new ArrayList<>();
        try (JsonParser parser = mapper.getFactory().createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("Messages file " + file
                        + " must contain a JSON array of {\"role\": ..., \"content\": ...} objects");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode node = mapper.readTree(parser);
                String where = "Messages file " + file + ", message " + messages.size() + " (line " + line + ")";
                messages.add(parseMessage(node, where));
            }
            if (parser.nextToken() != null) {
                throw new IOException("Messages file " + file + " has content after the JSON array at line "
                        + parser.currentTokenLocation().getLineNr());
            }
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw new IOException("Invalid JSON in messages file " + file + where + ": " + e.getOriginalMessage(), e);
        }
        return List.copyOf(messages);
    }

    private static ChatMessage parseMessage(JsonNode node, String where) throws IOException {
        if (!node.isObject()) {
            throw new IOException(where + ": expected an object with \"role\" and \"content\", got " + describe(node));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("role") && !name.equals("content")) {
                throw new IOException(where + ": field \"" + name
                        + "\" is not supported; a message has only \"role\" and \"content\"");
            }
        }
        return new ChatMessage(requireText(node, "role", where), requireText(node, "content", where));
    }

    private static String requireText(JsonNode node, String field, String where) throws IOException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new IOException(where + ": missing field \"" + field + "\"");
        }
        if (!value.isTextual()) {
            throw new IOException(where + ": field \"" + field + "\" must be a string, got " + describe(value));
        }
        return value.asText();
    }

    private static String describe(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return type.name().toLowerCase(Locale.ROOT);
    }
}
