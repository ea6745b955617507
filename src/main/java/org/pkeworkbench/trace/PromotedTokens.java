package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.tokenizer.TextTokenizer;

/**
 * The tokens a vector written into the residual stream promotes: the vector alone, with no
 * residual added, read through the final norm and unembedding ({@link DecoderModel#logitLens}),
 * and the tokens with the highest logits kept.
 *
 * <p>NOTE: the vector is read alone rather than added to the residual it joins, so the result
 * describes the component's own direction. The final norm rescales it (and, for LayerNorm, centres
 * it and adds the norm's bias), which the lens includes on purpose.
 */
public final class PromotedTokens {

    /** Number of tokens returned per vector. */
    public static final int COUNT = 5;

    private final DecoderModel model;
    private final TextTokenizer tokenizer;

    /** @param tokenizer decodes the token texts; when null, tokens are given as their ids */
    public PromotedTokens(DecoderModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Reads {@code vectors} ({@code [n, hidden]}) through the logit lens and returns, per row, the
     * {@link #COUNT} tokens with the highest logits, highest first.
     */
    public List<List<String>> of(NDManager scope, NDArray vectors) {
        long rows = vectors.getShape().get(0);
        if (rows == 0) {
            return List.of();
        }
        try (NDManager lensScope = scope.newSubManager()) {
            float[] logits = model.logitLens(lensScope, vectors).toFloatArray();
            int vocab = (int) (logits.length / rows);
            List<List<String>> out = new ArrayList<>();
            for (int row = 0; row < rows; row++) {
                out.add(texts(topIds(logits, row * vocab, vocab, COUNT)));
            }
            return out;
        }
    }

    /** Returns the {@code k} ids with the largest values in {@code values[offset, offset + length)}, largest first. */
    static long[] topIds(float[] values, int offset, int length, int k) {
        int kept = Math.min(k, length);
        long[] best = new long[kept];
        float[] bestValues = new float[kept];
        int filled = 0;
        for (int id = 0; id < length; id++) {
            float value = values[offset + id];
            if (filled == kept && value <= bestValues[kept - 1]) {
                continue;
            }
            // Insertion into the sorted prefix: O(length * k), cheap for a small k.
            int slot = Math.min(filled, kept - 1);
            while (slot > 0 && bestValues[slot - 1] < value) {
                bestValues[slot] = bestValues[slot - 1];
                best[slot] = best[slot - 1];
                slot--;
            }
            bestValues[slot] = value;
            best[slot] = id;
            filled = Math.min(filled + 1, kept);
        }
        return best;
    }

    private List<String> texts(long[] ids) {
        List<String> texts = new ArrayList<>();
        for (long id : ids) {
            texts.add(tokenizer == null ? Long.toString(id) : tokenizer.decode(new long[] {id}, false));
        }
        return texts;
    }
}
