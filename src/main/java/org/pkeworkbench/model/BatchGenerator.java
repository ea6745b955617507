package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes several prompts in one batch with a shared KV cache. Prompts are left-padded to the
 * longest one with a masked pad id, so every row's last prompt token sits at the same position and
 * each step feeds one new position for all rows.
 *
 * <p>Rows that have finished (stop token or token limit) keep feeding {@link #PAD_ID} with mask 0
 * until every row has finished. Rows never attend to each other, so this choice leaves the
 * unfinished rows' logits unchanged, and a masked pad keeps the finished row's own keys out of
 * later steps.
 */
final class BatchGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(BatchGenerator.class);

    /**
     * Token id fed at left padding and after a row finishes. It is always masked, so its value never
     * reaches an output.
     */
    static final long PAD_ID = 0L;

    private final DecoderModel model;

    BatchGenerator(DecoderModel model) {
        this.model = model;
    }

    /** See {@link Generator#generateBatch}. */
    List<long[]> generate(List<long[]> prompts, SamplingSettings settings, Supplier<ForwardOptions> options,
            BooleanSupplier cancelled) {
        validate(prompts);
        if (prompts.isEmpty()) {
            return List.of();
        }
        Autograd.disableOnThisThread();
        long started = System.nanoTime();
        int batch = prompts.size();
        int width = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();

        Random[] randoms = new Random[batch];
        List<List<Long>> generated = new ArrayList<>();
        boolean[] finished = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            randoms[b] = new Random(settings.seed());
            generated.add(new ArrayList<>());
            finished[b] = settings.maxNewTokens() == 0;
        }

        try (NDManager scope = model.manager().newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            long[][] ids = new long[batch][];
            long[][] mask = new long[batch][];
            leftPad(prompts, width, ids, mask);

            int step = 0;
            while (!allFinished(finished)) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("Batch generation cancelled after " + step + " steps");
                }
                float[][] lastLogits = forwardLast(scope, cache, ids, mask, options);
                pickTokens(lastLogits, settings, randoms, generated, finished, prompts);

                if (allFinished(finished)) {
                    break;
                }
                if (model.config().architecture() == Architecture.GPT2 && cache.length() >= model.config().maxPositions()) {
                    // NOTE: the padded cache reaches GPT-2's n_positions when the longest row does, so
                    // shorter rows stop earlier here than they would alone.
                    LOG.info("Batch generation stopped at GPT-2's {} positions", model.config().maxPositions());
                    break;
                }
                for (int b = 0; b < batch; b++) {
                    List<Long> row = generated.get(b);
                    ids[b] = new long[] {finished[b] ? PAD_ID : row.get(row.size() - 1)};
                    mask[b] = new long[] {finished[b] ? 0 : 1};
                }
                step++;
            }
        }

        List<long[]> out = new ArrayList<>();
        for (List<Long> row : generated) {
            out.add(row.stream().mapToLong(Long::longValue).toArray());
        }
        LOG.debug("Generated {} rows (prompt width {} tokens) in {} ms", batch, width,
                (System.nanoTime() - started) / 1_000_000);
        return out;
    }

    private static void validate(List<long[]> prompts) {
        for (int b = 0; b < prompts.size(); b++) {
            if (prompts.get(b) == null || prompts.get(b).length == 0) {
                throw new IllegalArgumentException("Prompt " + b + " of the batch is empty; every prompt must "
                        + "contain at least one token (use BOS for an empty prompt)");
            }
        }
    }

    /** Fills {@code ids} and {@code mask} ({@code [batch][width]}) with the prompts right-aligned. */
    private static void leftPad(List<long[]> prompts, int width, long[][] ids, long[][] mask) {
        for (int b = 0; b < prompts.size(); b++) {
            long[] prompt = prompts.get(b);
            int pad = width - prompt.length;
            ids[b] = new long[width];
            mask[b] = new long[width];
            for (int i = 0; i < width; i++) {
                ids[b][i] = i < pad ? PAD_ID : prompt[i - pad];
                mask[b][i] = i < pad ? 0 : 1;
            }
        }
    }

    /** Runs one pass over {@code ids} ({@code [batch, seq]}) and returns each row's logits at the last position. */
    private float[][] forwardLast(NDManager scope, KvCache cache, long[][] ids, long[][] mask,
            Supplier<ForwardOptions> options) {
        int batch = ids.length;
        int seq = ids[0].length;
        try (NDManager step = scope.newSubManager()) {
            NDArray input = step.create(flatten(ids), new Shape(batch, seq));
            NDArray stepMask = step.create(flatten(mask), new Shape(batch, seq));
            NDArray logits = model.forward(step, input, options.get().cache(cache).attentionMask(stepMask)).logits();
            NDArray last = logits.get(new NDIndex(":, {}, :", seq - 1));
            int vocab = (int) last.getShape().get(1);
            float[] flat = last.toFloatArray();
            float[][] rows = new float[batch][vocab];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * vocab, rows[b], 0, vocab);
            }
            return rows;
        }
    }

    /** Picks the next token of every unfinished row, appends it, and marks rows that stop. */
    private void pickTokens(float[][] lastLogits, SamplingSettings settings, Random[] randoms,
            List<List<Long>> generated, boolean[] finished, List<long[]> prompts) {
        for (int b = 0; b < lastLogits.length; b++) {
            if (finished[b]) {
                continue;
            }
            long token = settings.isGreedy() ? Generator.argmax(lastLogits[b])
                    : Generator.sample(lastLogits[b], settings, randoms[b]);
            if (settings.stopTokens().contains(token)) {
                finished[b] = true;
                continue;
            }
            List<Long> row = generated.get(b);
            row.add(token);
            // The single-sequence generator stops once its cache contains n_positions real tokens.
            long realCached = prompts.get(b).length + row.size() - 1L;
            boolean positionsFull = model.config().architecture() == Architecture.GPT2
                    && realCached >= model.config().maxPositions();
            if (row.size() >= settings.maxNewTokens() || positionsFull) {
                finished[b] = true;
            }
        }
    }

    private static boolean allFinished(boolean[] finished) {
        for (boolean done : finished) {
            if (!done) {
                return false;
            }
        }
        return true;
    }

    private static long[] flatten(long[][] rows) {
        int width = rows[0].length;
        long[] out = new long[rows.length * width];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, out, b * width, width);
        }
        return out;
    }
}
