package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ROUGE-L, Wilson interval and n-gram entropy against values computed by hand. */
class MetricsTest {

    private static final double EPS = 1e-12;

    @Test
    void rougeLDroppedWord() {
        // LCS = 5 ("the cat on the mat"), P = 5/5, R = 5/6, F = 2PR/(P+R) = 10/11.
        assertEquals(10.0 / 11.0, RougeL.f1("the cat sat on the mat", "the cat on the mat"), EPS);
    }

    @Test
    void rougeLCaseAndPunctuationIgnored() {
        assertEquals(1.0, RougeL.f1("The cat, sat!", "the CAT sat"), EPS);
    }

    @Test
    void rougeLReorderedWords() {
        // Tokens a b c d against d c b a: LCS = 1, P = R = 1/4, F = 1/4.
        assertEquals(0.25, RougeL.f1("a b c d", "d c b a"), EPS);
    }

    @Test
    void rougeLLongerCandidate() {
        // LCS = 2 ("cat sat"), P = 2/4, R = 2/2, F = 2 * 0.5 * 1 / 1.5 = 2/3.
        assertEquals(2.0 / 3.0, RougeL.f1("cat sat", "a cat sat down"), EPS);
    }

    @Test
    void rougeLEmptySidesScoreZero() {
        assertEquals(0.0, RougeL.f1("", ""), EPS);
        assertEquals(0.0, RougeL.f1("cat", ""), EPS);
        assertEquals(0.0, RougeL.f1("", "cat"), EPS);
        assertEquals(0.0, RougeL.f1("!!!", "???"), EPS);
        assertEquals(0.0, RougeL.f1("cat", "dog"), EPS);
    }

    @Test
    void rougeLNonAsciiLettersSeparate() {
        // "café" tokenizes to "caf", as rouge-score's [a-z0-9] tokenizer does.
        assertEquals(List.of("caf", "au", "lait"), RougeL.tokenize("Café au lait"));
    }

    @Test
    void rougeLCountsTextsWithoutTokens() {
        // Blank texts are not counted: an empty answer is visible as such, a Chinese one scoring 0 is not.
        assertEquals(2, RougeL.countWithoutTokens(List.of("猫が座った", "the cat", "", "  ", "?!", "Café")));
    }

    @Test
    void rougeLMeanOverPairs() {
        double mean = RougeL.meanF1(List.of("the cat sat on the mat", "a b"), List.of("the cat on the mat", "a b"));

        assertEquals((10.0 / 11.0 + 1.0) / 2.0, mean, EPS);
        assertThrows(IllegalArgumentException.class, () -> RougeL.meanF1(List.of("a"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> RougeL.meanF1(List.of(), List.of()));
    }

    @Test
    void wilsonHalf() {
        RateWithInterval rate = Rates.wilson(5, 10);

        assertEquals(0.5, rate.rate(), EPS);
        assertEquals(0.236593090512564, rate.lower(), 1e-12);
        assertEquals(0.7634069094874361, rate.upper(), 1e-12);
    }

    @Test
    void wilsonZeroAndAll() {
        RateWithInterval none = Rates.wilson(0, 10);
        RateWithInterval all = Rates.wilson(10, 10);

        assertEquals(0.0, none.lower(), EPS);
        assertEquals(0.2775327998628892, none.upper(), 1e-12);
        assertEquals(0.7224672001371107, all.lower(), 1e-12);
        assertEquals(1.0, all.upper(), EPS);
    }

    @Test
    void wilsonForty() {
        RateWithInterval rate = Rates.wilson(13, 40);

        assertEquals(0.325, rate.rate(), EPS);
        assertEquals(0.200845022317827, rate.lower(), 1e-12);
        assertEquals(0.47982253810122333, rate.upper(), 1e-12);
        assertEquals(13, rate.count());
        assertEquals(40, rate.total());
    }

    @Test
    void wilsonRejectsBadCounts() {
        assertThrows(IllegalArgumentException.class, () -> Rates.wilson(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Rates.wilson(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> Rates.wilson(6, 5));
    }

    @Test
    void fluencyDistinctTokens() {
        // "a b c d": 3 distinct bigrams, H2 = log2(3); 2 distinct trigrams, H3 = 1.
        double expected = (2.0 / 3.0 * Math.log(3) / Math.log(2) + 4.0 / 3.0 * 1.0) / 2.0;

        assertEquals(expected, Fluency.nGramEntropy("a b c d"), EPS);
        assertEquals(1.1949875002403854, Fluency.nGramEntropy("a b c d"), 1e-12);
    }

    @Test
    void fluencyRepetitionIsZero() {
        assertEquals(0.0, Fluency.nGramEntropy("a a a a a"), EPS);
    }

    @Test
    void fluencyUnevenBigrams() {
        // "a b a b a": bigrams ab, ba, ab, ba -> H2 = 1; trigrams aba, bab, aba -> p = 2/3, 1/3.
        double h3 = -(2.0 / 3.0) * log2(2.0 / 3.0) - (1.0 / 3.0) * log2(1.0 / 3.0);
        double expected = (2.0 / 3.0 * 1.0 + 4.0 / 3.0 * h3) / 2.0;

        assertEquals(expected, Fluency.nGramEntropy("a b a b a"), EPS);
    }

    @Test
    void fluencyShortTexts() {
        assertEquals(0.0, Fluency.nGramEntropy(""), EPS);
        assertEquals(0.0, Fluency.nGramEntropy("word"), EPS);
        // Two tokens: one bigram (H2 = 0), no trigram.
        assertEquals(0.0, Fluency.nGramEntropy("two words"), EPS);
    }

    @Test
    void fluencyPunctuationIsToken() {
        assertEquals(List.of("Hello", ",", "it's", "3.5", "cats", "!"), Fluency.tokenize("Hello, it's 3.5 cats!"));
        // "a b." has tokens a, b and "." -> two distinct bigrams (H2 = 1) and one trigram (H3 = 0).
        assertEquals((2.0 / 3.0 * 1.0) / 2.0, Fluency.nGramEntropy("a b."), EPS);
    }

    @Test
    void fluencyMeanOverTexts() {
        assertEquals((1.1949875002403854 + 0.0) / 2.0, Fluency.meanNGramEntropy(List.of("a b c d", "a a a")), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Fluency.meanNGramEntropy(List.of()));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
