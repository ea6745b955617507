package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logit lens: reads the residual stream after every layer through the model's final norm and
 * unembedding, as if the model stopped there, and reports the next-token distribution it implies.
 */
public final class LogitLens {

    private static final Logger LOG = LoggerFactory.getLogger(LogitLens.class);

    private LogitLens() {}

    /**
     * Runs the lens over {@code promptIds} followed by {@code targetIds}.
     *
     * @param tokenizer decodes token texts; may be null
     * @param targetIds continuation scored under teacher forcing; may be empty
     * @param topK how many of the most likely tokens to keep per layer and position, at least 1
     */
    public static LogitLensResult run(DecoderModel model, TextTokenizer tokenizer, long[] promptIds, long[] targetIds,
            int topK, ProgressListener progress) {
        Autograd.disableOnThisThread();
        long started = System.nanoTime();
        checkInputs(model, promptIds, targetIds, topK);
        long[] sequence = concat(promptIds, targetIds);
        int numLayers = model.config().numLayers();
        int vocab = model.config().vocabSize();
        int seq = sequence.length;
        LOG.info("Logit lens started: {} prompt tokens, {} target tokens, {} layers", promptIds.length,
                targetIds.length, numLayers);

        List<String> points = new ArrayList<>();
        points.add(HookPoints.EMBED);
        for (int layer = 0; layer < numLayers; layer++) {
            points.add(HookPoints.residPost(layer));
        }

        int[] layers = new int[points.size()];
        TopToken[][][] top = new TopToken[points.size()][][];
        double[][] targetProbabilities = new double[points.size()][targetIds.length];
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = scope.create(sequence).reshape(1, seq);
            ForwardResult forward = model.forward(scope, ids,
                    ForwardOptions.create().capture(points.toArray(new String[0])).withoutLogits());

            for (int row = 0; row < points.size(); row++) {
                progress.checkCancelled();
                progress.update((double) row / points.size(), "Reading " + points.get(row));
                layers[row] = row - 1;

                float[] probabilities;
                try (NDManager step = scope.newSubManager()) {
                    NDArray logits = model.logitLens(step, forward.capture(points.get(row)));
                    probabilities = logits.toType(DataType.FLOAT32, false).softmax(-1).toFloatArray();
                }
                top[row] = topTokens(probabilities, seq, vocab, topK, tokenizer);
                for (int j = 0; j < targetIds.length; j++) {
                    int position = promptIds.length - 1 + j;
                    targetProbabilities[row][j] = probabilities[position * vocab + (int) targetIds[j]];
                }
            }
        }
        progress.update(1, "Logit lens done");
        LOG.info("Logit lens finished in {} ms", (System.nanoTime() - started) / 1_000_000);
        return new LogitLensResult(sequence, decodeEach(tokenizer, sequence), promptIds.length, layers, top,
                targetProbabilities);
    }

    /** Decodes each token on its own; null without a tokenizer. */
    static String[] decodeEach(TextTokenizer tokenizer, long[] ids) {
        if (tokenizer == null) {
            return null;
        }
        String[] texts = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            texts[i] = tokenizer.decode(new long[] {ids[i]}, false);
        }
        return texts;
    }

    /** Selects the {@code k} largest probabilities per position from {@code probabilities} ({@code [seq, vocab]}). */
    private static TopToken[][] topTokens(float[] probabilities, int seq, int vocab, int k, TextTokenizer tokenizer) {
        int kept = Math.min(k, vocab);
        TopToken[][] result = new TopToken[seq][];
        for (int position = 0; position < seq; position++) {
            int offset = position * vocab;

            // Insertion into a sorted array of size k: O(vocab * k), cheap for the small k a person reads.
            int[] best = new int[kept];
            int filled = 0;
            for (int token = 0; token < vocab; token++) {
                float value = probabilities[offset + token];
                if (filled == kept && value <= probabilities[offset + best[kept - 1]]) {
                    continue;
                }
                int slot = filled < kept ? filled++ : kept - 1;
                while (slot > 0 && probabilities[offset + best[slot - 1]] < value) {
                    best[slot] = best[slot - 1];
                    slot--;
                }
                best[slot] = token;
            }

            result[position] = new TopToken[kept];
            for (int i = 0; i < kept; i++) {
                String text = tokenizer == null ? null : tokenizer.decode(new long[] {best[i]}, false);
                result[position][i] = new TopToken(best[i], text, probabilities[offset + best[i]]);
            }
        }
        return result;
    }

    private static void checkInputs(DecoderModel model, long[] promptIds, long[] targetIds, int topK) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("The prompt has no tokens; give a non-empty prompt");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be at least 1, got " + topK);
        }
        TokenChecks.checkIds(model, promptIds, "prompt");
        TokenChecks.checkIds(model, targetIds, "target");
    }

    private static long[] concat(long[] first, long[] second) {
        long[] joined = new long[first.length + second.length];
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
