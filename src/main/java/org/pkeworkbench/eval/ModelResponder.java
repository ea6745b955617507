package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.pkeworkbench.model.Architecture;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.SamplingSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link LanguageModel} into the batch generate function of {@link Evaluator}: greedy
 * decoding of up to {@code maxNewTokens} tokens, with left-padded batches of at most {@code
 * batchSize} prompts. Each row of a batch gives the text that generating its prompt alone gives.
 * Every prompt goes through {@link LanguageModel#promptIds}, so runs before and after an edit see
 * the same token ids.
 */
public final class ModelResponder implements Function<List<String>, List<String>> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelResponder.class);

    private final LanguageModel lm;
    private final boolean chat;
    private final SamplingSettings settings;
    private final int batchSize;
    private final BooleanSupplier cancelled;

    /**
     * Creates a responder.
     *
     * @param lm the model, owned by the caller
     * @param chat wrap each prompt as a user message with the model's chat template
     * @param maxNewTokens tokens to generate at most per prompt, at least 0
     * @param batchSize prompts per forward batch, at least 1
     * @param cancelled checked between generated tokens
     */
    public ModelResponder(LanguageModel lm, boolean chat, int maxNewTokens, int batchSize, BooleanSupplier cancelled) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (chat && !lm.hasChatTemplate()) {
            throw new IllegalArgumentException("The model in " + lm.decoder().directory()
                    + " has no chat_template in tokenizer_config.json; run without chat formatting");
        }
        this.lm = lm;
        this.chat = chat;
        this.settings = lm.greedy(maxNewTokens);
        this.batchSize = batchSize;
        this.cancelled = cancelled;
    }

    /** Creates a responder that is never cancelled. */
    public ModelResponder(LanguageModel lm, boolean chat, int maxNewTokens, int batchSize) {
        this(lm, chat, maxNewTokens, batchSize, () -> false);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Returns an evaluator that passes chunks of {@link #batchSize()} prompts to this responder. */
    public Evaluator evaluator(Judge judge, RefusalDetector refusalDetector) {
        return new Evaluator(this, batchSize, judge, refusalDetector);
    }

    /**
     * Generates one response per prompt, in order, in batches of at most {@link #batchSize()}.
     * Prompts of similar length go together, and a batch of long prompts is split further so that
     * its attention scores stay within {@link #ATTENTION_BUDGET_ELEMENTS} (see {@link #plan}).
     *
     * @throws CancellationException when the cancellation flag becomes true
     */
    @Override
    public List<String> apply(List<String> prompts) {
        List<long[]> ids = prompts.stream().map(this::promptIds).toList();
        checkLengths(prompts, ids, null);
        int[] lengths = ids.stream().mapToInt(row -> row.length).toArray();
        long perPromptPair = (long) lm.decoder().config().numLayers() * lm.decoder().config().numHeads();
        String[] responses = new String[prompts.size()];
        for (List<Integer> batch : plan(lengths, batchSize, perPromptPair, ATTENTION_BUDGET_ELEMENTS)) {
            List<long[]> batchIds = batch.stream().map(ids::get).toList();
            long startNanos = System.nanoTime();
            List<String> texts = lm.generateBatch(batchIds, settings, ForwardOptions::create, cancelled);
            for (int i = 0; i < batch.size(); i++) {
                responses[batch.get(i)] = texts.get(i);
            }
            LOG.debug("Generated a batch of {} responses in {} ms", batch.size(),
                    (System.nanoTime() - startNanos) / 1_000_000);
        }
        return List.of(responses);
    }

    /**
     * Rejects a prompt longer than a GPT-2's learned positions, naming it, so that a run can check
     * every prompt set before it generates anything. A rotary model takes prompts of any length, and
     * generation stops on its own at a GPT-2's last position.
     *
     * @param names how the error names each prompt, such as "Attack prompt eval-007", in the order of
     *     {@code prompts}
     * @throws IllegalArgumentException naming the first prompt that is too long
     */
    public void checkLengths(List<String> prompts, List<String> names) {
        if (prompts.size() != names.size()) {
            throw new IllegalArgumentException("Got " + names.size() + " names for " + prompts.size() + " prompts");
        }
        if (lm.decoder().config().architecture() == Architecture.GPT2) {
            checkLengths(prompts, prompts.stream().map(this::promptIds).toList(), names);
        }
    }

    /** Checks like {@link #checkLengths(List, List)}. With null {@code names}, the error names a prompt by its text. */
    private void checkLengths(List<String> prompts, List<long[]> ids, List<String> names) {
        ModelConfig config = lm.decoder().config();
        if (config.architecture() != Architecture.GPT2) {
            return;
        }
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).length > config.maxPositions()) {
                String prompt = "\"" + TextExcerpt.of(prompts.get(i)) + "\"";
                String name = names == null ? "The prompt " + prompt : names.get(i) + " (" + prompt + ")";
                throw new IllegalArgumentException(name + " has " + ids.get(i).length + " tokens"
                        + (chat ? " in the chat template" : "") + ", but this GPT-2 model has "
                        + config.maxPositions() + " learned positions (n_positions); shorten the prompt or remove it "
                        + "from the prompt set");
            }
        }
    }

    /**
     * Attention-score elements ({@code batch * layers * heads * seq^2}) one batch may hold, 2^28
     * (1 GiB of float32). The forward pass keeps every layer's scores until it returns, so this
     * bounds its peak memory on long prompts.
     */
    public static final long ATTENTION_BUDGET_ELEMENTS = 1L << 28;

    /**
     * Groups prompts into batches: sorted by length, longest first, at most {@code batchSize} per
     * batch, and no more prompts than keep {@code count * perPromptPair * longest^2} within {@code
     * budget} (one prompt always fits).
     *
     * @param lengths prompt lengths in tokens
     * @param perPromptPair attention elements per prompt and per (query, key) pair: layers times heads
     * @return batches of prompt indices
     */
    public static List<List<Integer>> plan(int[] lengths, int batchSize, long perPromptPair, long budget) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Integer.compare(lengths[b], lengths[a]));
        List<List<Integer>> batches = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long longest = 0;
        for (int index : order) {
            if (current.isEmpty()) {
                longest = lengths[index];
            }
            long cost = (current.size() + 1) * perPromptPair * longest * longest;
            if (!current.isEmpty() && (current.size() == batchSize || cost > budget)) {
                batches.add(current);
                current = new ArrayList<>();
                longest = lengths[index];
            }
            current.add(index);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    /** Generates the response to one prompt, as a batch of one. */
    public String respond(String prompt) {
        return apply(List.of(prompt)).get(0);
    }

    /** Prompt ids as {@link LanguageModel#generate(String, boolean, int)} forms them: BOS alone for empty raw text. */
    private long[] promptIds(String prompt) {
        return prompt.isEmpty() && !chat ? lm.bosOnly() : lm.promptIds(prompt, chat);
    }
}
