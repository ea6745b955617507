package org.pkeworkbench.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokenizer of a Hugging Face model directory: {@code tokenizer.json} run by the Rust
 * {@code tokenizers} library (through DJL), with the BOS rule, special tokens and chat template of
 * {@code tokenizer_config.json}.
 *
 * <p>Encoding never adds special tokens on its own and never truncates; {@link #encode} adds the BOS token
 * when asked and when the model uses one. Holds a native handle: close it.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);

    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** DJL options: no special tokens and no truncation (DJL truncates to 512 tokens by default). */
    private static final Map<String, String> DJL_OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final Vocabulary vocabulary;
    private final TokenizerSettings settings;
    private final OptionalLong bosTokenId;
    private final List<Long> eosTokenIds;
    private final boolean addsBos;

    private TextTokenizer(
            HuggingFaceTokenizer tokenizer, Vocabulary vocabulary, TokenizerSettings settings, boolean addsBos) {
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.settings = settings;
        this.bosTokenId = settings.bosToken().map(vocabulary::id).orElse(OptionalLong.empty());
        this.addsBos = addsBos && bosTokenId.isPresent();
        List<Long> eos = new ArrayList<>();
        settings.eosToken().map(vocabulary::id).ifPresent(id -> id.ifPresent(eos::add));
        this.eosTokenIds = List.copyOf(eos);
    }

    /**
     * Loads {@code tokenizer.json} and {@code tokenizer_config.json} from a model directory. Reads only local
     * files.
     *
     * @throws TokenizerFileException when either file is missing or invalid
     */
    public static TextTokenizer load(Path modelDir) throws IOException {
        long start = System.nanoTime();
        Path file = modelDir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file not found; the model directory needs the tokenizer.json "
                    + "of a Hugging Face fast tokenizer");
        }
        byte[] bytes = Files.readAllBytes(file);
        JsonNode root = TokenizerSettings.readJsonObject(file);
        Vocabulary vocabulary = Vocabulary.from(root, file);
        TokenizerSettings settings = TokenizerSettings.load(modelDir);

        HuggingFaceTokenizer tokenizer;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            tokenizer = HuggingFaceTokenizer.newInstance(in, DJL_OPTIONS);
        } catch (RuntimeException e) {
            LOG.warn("tokenizers library rejected {}", file, e);
            throw new TokenizerFileException(file, "the tokenizers library cannot load it: " + e.getMessage(), e);
        }

        boolean addsBos = settings.addBosToken()
                .orElseGet(() -> settings.bosToken().map(bos -> postProcessorAdds(root, bos)).orElse(false));
        TextTokenizer result = new TextTokenizer(tokenizer, vocabulary, settings, addsBos);
        LOG.info("Loaded tokenizer from {}: {} tokens, BOS {} in {} ms", modelDir, vocabulary.size(),
                result.addsBos ? "added" : "not added", (System.nanoTime() - start) / 1_000_000);
        return result;
    }

    /** Whether the {@code post_processor} of {@code tokenizer.json} inserts {@code token} (as Llama's does for BOS). */
    private static boolean postProcessorAdds(JsonNode root, String token) {
        for (JsonNode special : root.path("post_processor").findValues("SpecialToken")) {
            if (token.equals(special.path("id").asText(null))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Encodes text into token ids. Special-token strings in the text (such as {@code <|eot_id|>}) become
     * their ids.
     *
     * @param addBos prepend the BOS id, but only when the model uses one ({@code add_bos_token}, or the
     *     tokenizer's post-processor when the config does not say) and the text does not already start with it
     *     (a rendered chat template often does)
     */
    public long[] encode(String text, boolean addBos) {
        long[] ids = tokenizer.encode(text).getIds();
        if (!addBos || !addsBos || (ids.length > 0 && ids[0] == bosTokenId.getAsLong())) {
            return ids;
        }
        long[] withBos = new long[ids.length + 1];
        withBos[0] = bosTokenId.getAsLong();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /**
     * Decodes token ids into text with the tokenizer's decoder (SentencePiece "▁" spaces, byte fallback
     * such as {@code <0x0A>}, byte-level BPE).
     *
     * @param skipSpecialTokens leave out special tokens such as BOS and EOS
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        for (long id : ids) {
            if (id < 0 || id >= vocabulary.size()) {
                throw new IllegalArgumentException("Token id " + id + " is outside the vocabulary [0, " + vocabulary.size() + ")");
            }
        }
        String text = tokenizer.decode(ids, skipSpecialTokens);
        return settings.cleanUpTokenizationSpaces() ? cleanUpTokenizationSpaces(text) : text;
    }

    /** The space removal of {@code transformers}' {@code clean_up_tokenization}, applied when the config asks. */
    static String cleanUpTokenizationSpaces(String text) {
        return text.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    /** Starts an incremental decoder for streaming generated tokens as text. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** The id of {@code bos_token}, empty when the model has none. */
    public OptionalLong bosTokenId() {
        return bosTokenId;
    }

    /** Whether {@link #encode} with {@code addBos} prepends the BOS id. */
    public boolean addsBos() {
        return addsBos;
    }

    /** The id of {@code eos_token} (empty list when none); {@code generation_config.json} may add more. */
    public List<Long> eosTokenIds() {
        return eosTokenIds;
    }

    public OptionalLong tokenToId(String token) {
        return vocabulary.id(token);
    }

    /** The token string of an id (for example {@code ▁Once} or {@code <0x0A>}), empty when unknown. */
    public Optional<String> idToToken(long id) {
        return Optional.ofNullable(vocabulary.token(id));
    }

    /** One more than the largest token id, counting added tokens. */
    public int vocabSize() {
        return vocabulary.size();
    }

    public TokenizerSettings settings() {
        return settings;
    }

    /** The default chat template with this tokenizer's special tokens, empty when the model has none. */
    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate("default");
    }

    /** A named chat template (some models ship "default", "tool_use", "rag"). */
    public Optional<ChatTemplate> chatTemplate(String name) {
        return Optional.ofNullable(settings.chatTemplates().get(name))
                .map(source -> ChatTemplate.of(source, settings.specialTokens()));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
