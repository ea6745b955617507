package org.pkeworkbench.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/** Token strings and ids of a {@code tokenizer.json}: the model's vocabulary plus its added tokens. */
final class Vocabulary {

    private final Map<String, Long> idsByToken;
    private final Map<Long, String> tokensById;
    private final int size;

    private Vocabulary(Map<String, Long> idsByToken, Map<Long, String> tokensById) {
        this.idsByToken = Map.copyOf(idsByToken);
        this.tokensById = Map.copyOf(tokensById);
        long maxId = tokensById.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
        this.size = Math.toIntExact(maxId + 1);
    }

    /**
     * Reads the vocabulary of a parsed {@code tokenizer.json}: {@code model.vocab} as a token-to-id object
     * (BPE, WordPiece, WordLevel) or as a list of {@code [token, score]} pairs (Unigram), then
     * {@code added_tokens}.
     */
    static Vocabulary from(JsonNode root, Path file) throws TokenizerFileException {
        Map<String, Long> idsByToken = new HashMap<>();
        Map<Long, String> tokensById = new HashMap<>();

        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> entries = vocab.fields(); entries.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = entries.next();
                if (!entry.getValue().canConvertToLong()) {
                    throw new TokenizerFileException(file, "model.vocab entry \"" + entry.getKey() + "\" has no integer id");
                }
                put(entry.getKey(), entry.getValue().asLong(), idsByToken, tokensById);
            }
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                JsonNode pair = vocab.get(id);
                if (!pair.path(0).isTextual()) {
                    throw new TokenizerFileException(file, "model.vocab entry " + id + " is not a [token, score] pair");
                }
                put(pair.get(0).asText(), id, idsByToken, tokensById);
            }
        } else {
            throw new TokenizerFileException(file, "model.vocab is missing; expected an object or a list of tokens");
        }

        for (JsonNode added : root.path("added_tokens")) {
            if (!added.path("content").isTextual() || !added.path("id").canConvertToLong()) {
                throw new TokenizerFileException(file, "added_tokens entry " + added + " needs \"id\" and \"content\"");
            }
            put(added.get("content").asText(), added.get("id").asLong(), idsByToken, tokensById);
        }
        return new Vocabulary(idsByToken, tokensById);
    }

    private static void put(String token, long id, Map<String, Long> idsByToken, Map<Long, String> tokensById) {
        idsByToken.put(token, id);
        tokensById.put(id, token);
    }

    OptionalLong id(String token) {
        Long id = idsByToken.get(token);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    String token(long id) {
        return tokensById.get(id);
    }

    /** One more than the largest id, as {@code len(tokenizer)} in {@code transformers}. */
    int size() {
        return size;
    }
}
