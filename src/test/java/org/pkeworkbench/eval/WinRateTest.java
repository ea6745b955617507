package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.eval.Preference.Label;

/** Win rate, preference labels and the ROUGE-L overlap judge against hand-computed values. */
class WinRateTest {

    private static Preference win() {
        return new Preference(1.0, Label.A);
    }

    private static Preference tie() {
        return new Preference(0.5, Label.TIE);
    }

    private static Preference loss() {
        return new Preference(0.0, Label.B);
    }

    /**
     * One win and one tie over n = 2: p = (1 + 0.5) / 2 = 0.75. With z^2 = 3.841459, the Wilson
     * denominator is 1 + z^2/2 = 2.920729, the centre (0.75 + z^2/4) / 2.920729 = 0.585601 and the
     * half-width 1.959964 * sqrt(0.75 * 0.25 / 2 + z^2/16) / 2.920729 = 0.387734, so the interval is
     * 0.197867 to 0.973323.
     */
    @Test
    void tieCountsHalfWithWilsonInterval() {
        WinRateResult result = WinRate.compute(List.of(win(), tie()));

        assertEquals(0.75, result.rate(), 1e-12);
        assertEquals(1, result.wins());
        assertEquals(1, result.ties());
        assertEquals(0, result.losses());
        assertEquals(2, result.total());
        assertEquals(0.197867, result.lower(), 1e-6);
        assertEquals(0.973323, result.upper(), 1e-6);
        assertEquals(0.75, result.meanProbabilityA(), 1e-12);
    }

    @Test
    void withoutTiesEqualsWilsonOfWins() {
        List<Preference> preferences = List.of(win(), loss(), loss(), win(), loss(), win(), loss(), loss(), win(), loss());
        RateWithInterval wilson = Rates.wilson(4, 10);

        WinRateResult result = WinRate.compute(preferences);

        assertEquals(0.4, result.rate(), 1e-12);
        assertEquals(wilson.lower(), result.lower(), 1e-12);
        assertEquals(wilson.upper(), result.upper(), 1e-12);
        assertEquals(0.168180, result.lower(), 1e-6);
        assertEquals(0.687326, result.upper(), 1e-6);
    }

    @Test
    void labelsDecideRateAndProbabilitiesTheMean() {
        List<Preference> preferences = List.of(
                new Preference(0.9, Label.A), new Preference(0.6, Label.A), new Preference(0.5, Label.TIE),
                new Preference(0.2, Label.B));

        WinRateResult result = WinRate.compute(preferences);

        assertEquals((2 + 0.5) / 4, result.rate(), 1e-12);
        assertEquals((0.9 + 0.6 + 0.5 + 0.2) / 4, result.meanProbabilityA(), 1e-12);
        assertEquals(0.15003899, Rates.wilsonBounds(0.5, 4)[0], 1e-8, "hand-checked Wilson bound at p = 0.5, n = 4");
    }

    @Test
    void allWinsReachOne() {
        WinRateResult result = WinRate.compute(List.of(win(), win(), win()));

        assertEquals(1.0, result.rate());
        assertEquals(1.0, result.upper());
        assertEquals(0.438503, result.lower(), 1e-6, "Wilson lower bound for 3 of 3");
    }

    @Test
    void emptyListIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WinRate.compute(List.of()));

        assertTrue(e.getMessage().contains("at least one comparison"), e.getMessage());
    }

    @Test
    void wilsonBoundsRejectsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> Rates.wilsonBounds(1.5, 3));
        assertThrows(IllegalArgumentException.class, () -> Rates.wilsonBounds(Double.NaN, 3));
        assertThrows(IllegalArgumentException.class, () -> Rates.wilsonBounds(0.5, 0));
    }

    @Test
    void probabilityLabels() {
        assertEquals(Label.A, Preference.fromProbability(0.51, 0.0).label());
        assertEquals(Label.B, Preference.fromProbability(0.49, 0.0).label());
        assertEquals(Label.TIE, Preference.fromProbability(0.5, 0.0).label());
        assertEquals(Label.TIE, Preference.fromProbability(0.54, 0.05).label());
        assertEquals(Label.A, Preference.fromProbability(0.56, 0.05).label());
        assertThrows(IllegalArgumentException.class, () -> new Preference(1.2, Label.A));
        assertThrows(IllegalArgumentException.class, () -> Preference.fromProbability(0.5, 0.7));
    }

    @Test
    void scoreOfEachLabel() {
        assertEquals(1.0, win().scoreA());
        assertEquals(0.5, tie().scoreA());
        assertEquals(0.0, loss().scoreA());
    }

    /**
     * Reference "the cat sat on the mat" (6 tokens). "the cat sat" has LCS 3: P = 1, R = 0.5, F =
     * 2/3. "a dog ran" has LCS 0, so F = 0.
     */
    @Test
    void overlapJudgePrefersHigherRougeL() {
        ReferenceOverlapPairwiseJudge judge = new ReferenceOverlapPairwiseJudge(Map.of("q", "the cat sat on the mat"));

        Preference aBetter = judge.compare("q", "the cat sat", "a dog ran");
        Preference bBetter = judge.compare("q", "a dog ran", "The cat sat!");

        assertEquals(Label.A, aBetter.label());
        assertEquals(1.0, aBetter.probabilityA());
        assertEquals(Label.B, bBetter.label());
        assertEquals(0.0, bBetter.probabilityA());
        assertEquals(2.0 / 3.0, RougeL.f1("the cat sat on the mat", "the cat sat"), 1e-12);
    }

    @Test
    void overlapJudgeTiesWithinEpsilon() {
        // "cat sat" has LCS 2: P = 1, R = 1/3, F = 0.5; "the mat" also has LCS 2, so F = 0.5 too.
        ReferenceOverlapPairwiseJudge exact = new ReferenceOverlapPairwiseJudge(Map.of("q", "the cat sat on the mat"));
        // "the cat sat" (F = 2/3) against "cat sat" (F = 0.5) differ by 1/6, inside a band of 0.2.
        ReferenceOverlapPairwiseJudge wide = new ReferenceOverlapPairwiseJudge(
                Map.of("q", "the cat sat on the mat"), 0.2);

        Preference equalScores = exact.compare("q", "cat sat", "the mat");
        Preference closeScores = wide.compare("q", "the cat sat", "cat sat");

        assertEquals(Label.TIE, equalScores.label());
        assertEquals(0.5, equalScores.probabilityA());
        assertEquals(Label.TIE, closeScores.label());
        assertEquals(Label.A, exact.compare("q", "the cat sat", "cat sat").label());
    }

    @Test
    void overlapJudgeNeedsReference() {
        ReferenceOverlapPairwiseJudge judge = new ReferenceOverlapPairwiseJudge(Map.of("q", "answer"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> judge.compare("unknown instruction", "a", "b"));

        assertTrue(e.getMessage().contains("No reference answer"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown instruction"), e.getMessage());
    }
}
