package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fluency as weighted n-gram entropy, the measure of ROME (Meng et al. 2022) that SafeEdit
 * reuses. For one text, with {@code H_n = -sum p log2 p} over the frequency distribution of its
 * word n-grams:
 *
 * <pre>
 *   fluency(text) = mean(2/3 * H_2, 4/3 * H_3) = (2/3 * H_2 + 4/3 * H_3) / 2
 * </pre>
 *
 * and the score of several texts is the arithmetic mean of their values. Repetitive output has
 * few distinct n-grams and so a low score. A text too short for any n-gram contributes 0 for
 * that n, as the reference code computes for an empty distribution.
 *
 * <p>NOTE: the reference code tokenizes with NLTK's {@code word_tokenize}. This class splits
 * words and punctuation marks in a similar way but keeps contractions whole ("don't" is one
 * token here, two in NLTK), so values can differ slightly from the Python ones.
 */
public final class Fluency {

    /** Weights of the bigram and trigram entropies. */
    private static final double BIGRAM_WEIGHT = 2.0 / 3.0;
    private static final double TRIGRAM_WEIGHT = 4.0 / 3.0;

    /**
     * A number with decimal or thousands separators, a word (letters, digits, underscores, inner
     * apostrophes), or one punctuation character.
     */
    private static final Pattern TOKEN = Pattern.compile(
            "\\p{N}+(?:[.,]\\p{N}+)+|[\\p{L}\\p{N}_]+(?:['’][\\p{L}\\p{N}_]+)*|[^\\s\\p{L}\\p{N}_]");

    private Fluency() {
    }

    /** Returns the weighted n-gram entropy of one text, in bits. */
    public static double nGramEntropy(String text) {
        List<String> tokens = tokenize(text);
        double bigram = entropyBits(tokens, 2);
        double trigram = entropyBits(tokens, 3);
        return (BIGRAM_WEIGHT * bigram + TRIGRAM_WEIGHT * trigram) / 2.0;
    }

    /**
     * Returns the mean weighted n-gram entropy over texts, in bits.
     *
     * @throws IllegalArgumentException when the list is empty
     */
    public static double meanNGramEntropy(List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("Fluency of zero texts is undefined; give at least one text");
        }
        double sum = 0.0;
        for (String text : texts) {
            sum += nGramEntropy(text);
        }
        return sum / texts.size();
    }

    /** Returns the Shannon entropy, in bits, of the n-gram frequency distribution; 0 when there are no n-grams. */
    static double entropyBits(List<String> tokens, int n) {
        int count = tokens.size() - n + 1;
        if (count <= 0) {
            return 0.0;
        }

        Map<List<String>, Integer> frequencies = new HashMap<>();
        for (int i = 0; i < count; i++) {
            frequencies.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }

        double entropy = 0.0;
        for (int frequency : frequencies.values()) {
            double p = (double) frequency / count;
            entropy -= p * Math.log(p) / Math.log(2.0);
        }
        return entropy;
    }

    /** Splits text into words and punctuation marks, keeping case. */
    static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher matcher = TOKEN.matcher(text);
        while (matcher.find()) {
            tokens.add(matcher.group());
        }
        return tokens;
    }
}
