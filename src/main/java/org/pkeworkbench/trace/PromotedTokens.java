package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** Default cap on the logits computed at once, in floats (8 Mi floats, 32 MiB). */
    static final long MAX_LOGITS_FLOATS = 8L << 20;

    private final DecoderModel model;
    private final TextTokenizer tokenizer;
    private final long maxLogitsFloats;

    /** @param tokenizer decodes the token texts; when null, tokens are given as their ids */
    public PromotedTokens(DecoderModel model, TextTokenizer tokenizer) {
        this(model, tokenizer, MAX_LOGITS_FLOATS);
    }

    /** @param maxLogitsFloats cap on the logits computed at once; at least one row is always computed */
    PromotedTokens(DecoderModel model, TextTokenizer tokenizer, long maxLogitsFloats) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxLogitsFloats = maxLogitsFloats;
    }

    /**
     * Reads {@code vectors} ({@code [n, hidden]}) through the logit lens and returns, per row, the
     * {@link #COUNT} tokens with the highest logits, highest first.
     */
    public List<List<String>> of(NDManager scope, NDArray vectors) {
        long rows = vectors.getShape().get(0);
        int vocab = model.config().vocabSize();
        // Rows per lens call, so that one call's logits stay under maxLogitsFloats.
        long chunk = Math.max(1, maxLogitsFloats / Math.max(1, vocab));
        int count = Math.min(COUNT, vocab);

        List<List<String>> out = new ArrayList<>();
        for (long from = 0; from < rows; from += chunk) {
            long to = Math.min(rows, from + chunk);
            try (NDManager lensScope = scope.newSubManager()) {
                NDArray part = vectors.get(new NDIndex("{}:{}", from, to));
                part.attach(lensScope);
                NDArray logits = model.logitLens(lensScope, part);
                // Only the [rows, count] indices leave the device, not the [rows, vocab] logits.
                NDList best = logits.topK(count, -1, true, true);
                best.attach(lensScope);
                long[] ids = best.get(1).toType(DataType.INT64, false).toLongArray();
                for (int row = 0; row < to - from; row++) {
                    out.add(texts(Arrays.copyOfRange(ids, row * count, (row + 1) * count)));
                }
            }
        }
        return out;
    }

    private List<String> texts(long[] ids) {
        List<String> texts = new ArrayList<>();
        for (long id : ids) {
            texts.add(tokenizer == null ? Long.toString(id) : tokenizer.decode(new long[] {id}, false));
        }
        return texts;
    }
}
