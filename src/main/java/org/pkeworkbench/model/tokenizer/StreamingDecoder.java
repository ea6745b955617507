package org.pkeworkbench.model.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text pieces as they arrive. Each {@link #push} returns only the new text;
 * a piece that ends in an incomplete UTF-8 character (byte fallback tokens) is held back until the
 * character is complete, so the pieces concatenate to {@link TextTokenizer#decode} of all ids.
 *
 * <p>Each push decodes the whole sequence again, which costs O(n) per token; fine for the few thousand
 * tokens of one generation.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private long[] ids = new long[16];
    private int count;
    private String emitted = "";

    StreamingDecoder(TextTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one token id and returns the text it completes (possibly empty). */
    public String push(long id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, count), skipSpecialTokens);
        // NOTE: a decoder that rewrites earlier text when a token arrives would hold back all later text
        // here; the SentencePiece and byte-level decoders of the supported models only append.
        if (text.endsWith(String.valueOf(REPLACEMENT)) || !text.startsWith(emitted)) {
            return "";
        }
        String piece = text.substring(emitted.length());
        emitted = text;
        return piece;
    }

    /** All text returned so far. */
    public String text() {
        return emitted;
    }
}
