package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
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
     *
     * @throws CancellationException when the cancellation flag becomes true
     */
    @Override
    public List<String> apply(List<String> prompts) {
        List<String> responses = new ArrayList<>(prompts.size());
        for (int start = 0; start < prompts.size(); start += batchSize) {
            List<String> chunk = prompts.subList(start, Math.min(start + batchSize, prompts.size()));
            List<long[]> ids = chunk.stream().map(this::promptIds).toList();
            long startNanos = System.nanoTime();
            responses.addAll(lm.generateBatch(ids, settings, ForwardOptions::create, cancelled));
            LOG.debug("Generated a batch of {} responses in {} ms", chunk.size(),
                    (System.nanoTime() - startNanos) / 1_000_000);
        }
        return responses;
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
