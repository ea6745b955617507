package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pkeworkbench.model.tokenizer.TextTokenizer;

/**
 * The token ids that start a guard model's "safe" and "unsafe" answers.
 *
 * <p>How they are found: each label is encoded as the tokenizer does it, without special tokens,
 * in two spellings, bare ({@code "unsafe"}) and after a space ({@code " unsafe"}), and the first
 * token of each spelling is kept. Depending on the tokenizer the two spellings give one token
 * (SentencePiece adds the leading "▁" itself) or two (byte-level BPE has "unsafe" and "Ġunsafe").
 * A first token that both labels share, such as a bare "▁" space piece, cannot tell them apart and
 * is dropped from both.
 *
 * @param safeIds first-token ids of the "safe" spellings
 * @param unsafeIds first-token ids of the "unsafe" spellings
 */
public record GuardLabelTokens(Set<Long> safeIds, Set<Long> unsafeIds) {

    public static final String SAFE = "safe";
    public static final String UNSAFE = "unsafe";

    public GuardLabelTokens {
        // Sorted, so logs and sums run in one fixed order.
        safeIds = Collections.unmodifiableSortedSet(new TreeSet<>(safeIds));
        unsafeIds = Collections.unmodifiableSortedSet(new TreeSet<>(unsafeIds));
        if (safeIds.isEmpty() || unsafeIds.isEmpty()) {
            throw new IllegalArgumentException("Both labels need at least one token id, got safe " + safeIds
                    + " and unsafe " + unsafeIds);
        }
        for (long id : safeIds) {
            if (unsafeIds.contains(id)) {
                throw new IllegalArgumentException("Token id " + id + " starts both 'safe' and 'unsafe'");
            }
        }
    }

    /**
     * Finds the label tokens of a tokenizer.
     *
     * @throws IllegalArgumentException when every spelling of "safe" starts with the same token as a
     *     spelling of "unsafe", so that the first answer token cannot separate the labels
     */
    public static GuardLabelTokens find(TextTokenizer tokenizer) {
        Map<Long, String> safe = firstTokens(tokenizer, SAFE);
        Map<Long, String> unsafe = firstTokens(tokenizer, UNSAFE);

        Set<Long> shared = new LinkedHashSet<>(safe.keySet());
        shared.retainAll(unsafe.keySet());
        safe.keySet().removeAll(shared);
        unsafe.keySet().removeAll(shared);

        if (safe.isEmpty() || unsafe.isEmpty()) {
            throw new IllegalArgumentException("The guard model's tokenizer starts 'safe' and 'unsafe' with the same "
                    + "token (ids " + shared + "), so the first answer token cannot tell them apart. Use a guard model "
                    + "whose tokenizer encodes the two labels with different first tokens");
        }
        return new GuardLabelTokens(safe.keySet(), unsafe.keySet());
    }

    /** Maps the first token id of each spelling of {@code word} to that spelling. */
    private static Map<Long, String> firstTokens(TextTokenizer tokenizer, String word) {
        Map<Long, String> first = new LinkedHashMap<>();
        for (String spelling : List.of(word, " " + word)) {
            long[] ids = tokenizer.encode(spelling, false);
            if (ids.length > 0) {
                first.putIfAbsent(ids[0], spelling);
            }
        }
        return first;
    }

    /** Returns all label ids, safe first. */
    public List<Long> allIds() {
        List<Long> ids = new ArrayList<>(safeIds);
        ids.addAll(unsafeIds);
        return ids;
    }
}
