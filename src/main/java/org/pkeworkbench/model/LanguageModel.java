package org.pkeworkbench.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.pkeworkbench.model.tokenizer.ChatMessage;
import org.pkeworkbench.model.tokenizer.ChatTemplate;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decoder together with its tokenizer, chat template and generation config: everything needed
 * to go from text to text. The prompt format is one function ({@link #promptIds}) so that runs
 * before and after an edit see identical prompts.
 *
 * <p>Example: {@code try (LanguageModel lm = LanguageModel.load(dir, Device.cpu())) { lm.generate("Hi", 32); }}
 */
public final class LanguageModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LanguageModel.class);

    private final DecoderModel decoder;
    private final TextTokenizer tokenizer;
    private final GenerationConfig generationConfig;

    private LanguageModel(DecoderModel decoder, TextTokenizer tokenizer, GenerationConfig generationConfig) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.generationConfig = generationConfig;
    }

    /** Loads weights, tokenizer and generation config from a Hugging Face directory; the directory is only read. */
    public static LanguageModel load(Path modelDir, Device device) throws IOException {
        return load(modelDir, device, ProgressListener.NONE);
    }

    /**
     * Loads like {@link #load(Path, Device)}, reporting progress over the weight tensors; a cancel
     * stops between tensors and frees what was loaded.
     *
     * @throws java.util.concurrent.CancellationException when cancelled
     */
    public static LanguageModel load(Path modelDir, Device device, ProgressListener progress) throws IOException {
        return load(modelDir, device, ComputeDType.FLOAT32, progress);
    }

    /** Loads like {@link #load(Path, Device)}, with the weights stored and computed in {@code dtype}. */
    public static LanguageModel load(Path modelDir, Device device, ComputeDType dtype) throws IOException {
        return load(modelDir, device, dtype, ProgressListener.NONE);
    }

    /** Loads like {@link #load(Path, Device, ProgressListener)}, in {@code dtype}. */
    public static LanguageModel load(Path modelDir, Device device, ComputeDType dtype, ProgressListener progress)
            throws IOException {
        // config.json first: for a folder that is not a model at all, its message is the helpful one.
        ModelConfig.load(modelDir);
        TextTokenizer tokenizer = TextTokenizer.load(modelDir);
        try {
            GenerationConfig generation = GenerationConfig.load(modelDir);
            DecoderModel decoder = DecoderModel.load(modelDir, device, dtype, progress);
            if (tokenizer.vocabSize() > decoder.config().vocabSize()) {
                LOG.warn("Tokenizer of {} has {} ids but the model only {}; ids past the model's vocabulary fail",
                        modelDir, tokenizer.vocabSize(), decoder.config().vocabSize());
            }
            return new LanguageModel(decoder, tokenizer, generation);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    public DecoderModel decoder() {
        return decoder;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public boolean hasChatTemplate() {
        return tokenizer.chatTemplate().isPresent();
    }

    /**
     * Token ids of the prompt for one user message. With {@code chat} and a chat template, the
     * template renders it with the generation prompt; otherwise the raw text is encoded. BOS is
     * added when the tokenizer adds it and the rendered text does not already start with it.
     */
    public long[] promptIds(String userText, boolean chat) {
        String text = chat ? renderChat(List.of(ChatMessage.user(userText)), true) : userText;
        return encodePrompt(text);
    }

    /** Encodes already-formatted prompt text, adding BOS as the tokenizer config asks. */
    public long[] encodePrompt(String text) {
        boolean startsWithBos = tokenizer.bosTokenId().isPresent()
                && tokenizer.idToToken(tokenizer.bosTokenId().getAsLong()).map(text::startsWith).orElse(false);
        return tokenizer.encode(text, tokenizer.addsBos() && !startsWithBos);
    }

    /** Renders a conversation with the model's chat template, as {@code transformers} does. */
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
                "The model in " + decoder.directory() + " has no chat_template in tokenizer_config.json; "
                        + "run without --chat"));
        return template.render(messages, addGenerationPrompt);
    }

    /** Token ids of a response that follows a prompt: no BOS. */
    public long[] responseIds(String response) {
        return tokenizer.encode(response, false);
    }

    /**
     * Returns the first token of {@code target} as a continuation: the token whose probability a
     * causal trace measures.
     *
     * @throws IllegalArgumentException when {@code target} encodes to no tokens, or when its first
     *     token decodes to nothing: a bare word boundary, which a SentencePiece tokenizer makes of a
     *     leading space, and which would be measured in place of the word
     */
    public long firstTargetToken(String target) {
        long[] ids = responseIds(target);
        if (ids.length == 0) {
            throw new IllegalArgumentException("The target '" + target + "' encodes to no tokens; give a non-empty "
                    + "continuation");
        }
        if (startsWithBareBoundary(ids)) {
            String next = tokenizer.decode(new long[] {ids[1]}, true);
            String word = next.isBlank() ? "the target's first word" : "'" + next + "'";
            throw new IllegalArgumentException(bareBoundaryMessage(target, ids) + ", so that token would be measured "
                    + "in place of " + word + ". " + bareBoundaryAdvice(target));
        }
        return ids[0];
    }

    /** Describes the bare word boundary that {@code ids}, the tokens of {@code target}, start with. */
    public String bareBoundaryMessage(String target, long[] ids) {
        return "The target '" + target + "' starts with token " + ids[0] + ", which decodes to nothing (a bare word "
                + "boundary)";
    }

    /**
     * Says how to avoid a bare word boundary: without a leading space when {@code target} has one
     * and the target without it starts with a real token; otherwise the tokenizer has no token for
     * the first word with its boundary, and another wording is the only way.
     */
    public String bareBoundaryAdvice(String target) {
        String stripped = target.stripLeading();
        if (stripped.length() < target.length() && !stripped.isEmpty()
                && !startsWithBareBoundary(responseIds(stripped))) {
            return "This tokenizer marks word boundaries itself: give the target without its leading space";
        }
        return "This tokenizer has no single token for the start of the target with its word boundary: choose a "
                + "target whose first word is a token of its own";
    }

    /** Returns true when {@code ids} has more than one token and the first decodes to nothing (see {@link #firstTargetToken}). */
    public boolean startsWithBareBoundary(long[] ids) {
        return ids.length > 1 && tokenizer.decode(new long[] {ids[0]}, true).isEmpty();
    }

    /** End-of-sequence ids from the generation config, the model config and the tokenizer, in that order. */
    public List<Long> stopTokens() {
        Set<Long> ids = new LinkedHashSet<>(generationConfig.eosTokenIds());
        decoder.config().eosTokenIds().forEach(id -> ids.add(id.longValue()));
        ids.addAll(tokenizer.eosTokenIds());
        return List.copyOf(ids);
    }

    /** Greedy settings with this model's stop tokens. */
    public SamplingSettings greedy(int maxNewTokens) {
        return SamplingSettings.greedy(maxNewTokens, stopTokens());
    }

    /** Starting ids for an empty prompt: BOS, which every supported tokenizer defines or the config names. */
    public long[] bosOnly() {
        if (tokenizer.bosTokenId().isPresent()) {
            return new long[] {tokenizer.bosTokenId().getAsLong()};
        }
        if (!decoder.config().bosTokenIds().isEmpty()) {
            return new long[] {decoder.config().bosTokenIds().get(0)};
        }
        throw new IllegalStateException("The model defines no BOS token, so generation cannot start from an empty prompt");
    }

    /** Generates greedily for one user message and returns the decoded response. */
    public String generate(String userText, boolean chat, int maxNewTokens) {
        long[] prompt = userText.isEmpty() && !chat ? bosOnly() : promptIds(userText, chat);
        return generate(prompt, greedy(maxNewTokens), ForwardOptions::create, () -> false);
    }

    /**
     * Generates after {@code promptIds} and decodes the new tokens (special tokens skipped).
     *
     * @throws CancellationException when {@code cancelled} becomes true
     */
    public String generate(long[] promptIds, SamplingSettings settings, Supplier<ForwardOptions> options,
            BooleanSupplier cancelled) {
        long[] generated = new Generator(decoder).generate(promptIds, settings, options, cancelled);
        return tokenizer.decode(generated, true);
    }

    /**
     * Generates after each prompt in one batch and decodes each row's new tokens (special tokens
     * skipped), in prompt order. See {@link Generator#generateBatch} for how rows relate to
     * single-prompt generation.
     *
     * @throws CancellationException when {@code cancelled} becomes true
     */
    public List<String> generateBatch(List<long[]> promptIds, SamplingSettings settings,
            Supplier<ForwardOptions> options, BooleanSupplier cancelled) {
        List<long[]> generated = new Generator(decoder).generateBatch(promptIds, settings, options, cancelled);
        return generated.stream().map(ids -> tokenizer.decode(ids, true)).toList();
    }

    @Override
    public void close() {
        decoder.close();
        tokenizer.close();
    }
}
