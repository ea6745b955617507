package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * ROUGE-L F-measure: the longest common subsequence (LCS) of reference and candidate tokens gives
 * precision {@code P = LCS / |candidate|} and recall {@code R = LCS / |reference|}, and the score
 * is {@code F = 2PR / (P + R)} (beta = 1).
 *
 * <p>Tokens follow the default tokenizer of Google's {@code rouge-score} package: the text is
 * lowercased, every run of characters outside {@code [a-z0-9]} becomes a separator, and no
 * stemming is applied. Letters outside ASCII are therefore separators too. When either side has
 * no tokens the score is 0, as {@code rouge-score} returns, including when both are empty.
 */
public final class RougeL {

    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");

    private RougeL() {
    }

    /** Returns the ROUGE-L F-measure in [0, 1] of a candidate against a reference. */
    public static double f1(String reference, String candidate) {
        List<String> referenceTokens = tokenize(reference);
        List<String> candidateTokens = tokenize(candidate);
        if (referenceTokens.isEmpty() || candidateTokens.isEmpty()) {
            return 0.0;
        }

        int lcs = lcsLength(referenceTokens, candidateTokens);
        double precision = (double) lcs / candidateTokens.size();
        double recall = (double) lcs / referenceTokens.size();
        if (precision + recall == 0.0) {
            return 0.0;
        }
        return 2.0 * precision * recall / (precision + recall);
    }

    /**
     * Returns the mean F-measure over aligned pairs.
     *
     * @throws IllegalArgumentException when the lists differ in size or are empty
     */
    public static double meanF1(List<String> references, List<String> candidates) {
        if (references.size() != candidates.size()) {
            throw new IllegalArgumentException("ROUGE-L needs one candidate per reference, got "
                    + references.size() + " references and " + candidates.size() + " candidates");
        }
        if (references.isEmpty()) {
            throw new IllegalArgumentException("ROUGE-L mean over zero pairs is undefined; give at least one pair");
        }
        double sum = 0.0;
        for (int i = 0; i < references.size(); i++) {
            sum += f1(references.get(i), candidates.get(i));
        }
        return sum / references.size();
    }

    /**
     * Returns how many of {@code texts} contain something other than white space but no token,
     * such as answers written only in a script without ASCII letters. Their pairs score 0, so
     * callers warn when this is above 0.
     */
    public static int countWithoutTokens(Collection<String> texts) {
        int count = 0;
        for (String text : texts) {
            if (!text.isBlank() && tokenize(text).isEmpty()) {
                count++;
            }
        }
        return count;
    }

    /** Splits text into lowercase ASCII alphanumeric tokens. */
    static List<String> tokenize(String text) {
        String[] parts = NON_ALPHANUMERIC.split(text.toLowerCase(Locale.ROOT));
        List<String> tokens = new ArrayList<>(parts.length);
        for (String part : parts) {
            if (!part.isEmpty()) {
                tokens.add(part);
            }
        }
        return tokens;
    }

    /** Returns the LCS length by dynamic programming over two rows, O(|a| * |b|) time. */
    static int lcsLength(List<String> a, List<String> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (String tokenA : a) {
            for (int j = 1; j <= b.size(); j++) {
                if (tokenA.equals(b.get(j - 1))) {
                    current[j] = previous[j - 1] + 1;
                } else {
                    current[j] = Math.max(previous[j], current[j - 1]);
                }
            }
            int[] swap = previous;
            previous = current;
            current = swap;
            Arrays.fill(current, 0);
        }
        return previous[b.size()];
    }
}
