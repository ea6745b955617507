package org.pkeworkbench.eval;

import java.util.List;

/**
 * A win rate with the comparisons behind it.
 *
 * @param judgeName the pairwise judge's {@link PairwiseJudge#name()}
 * @param winRate the candidate's win rate against the baseline
 * @param outcomes one comparison per record, in file order
 */
public record WinRateReport(String judgeName, WinRateResult winRate, List<PairwiseOutcome> outcomes) {

    public WinRateReport {
        outcomes = List.copyOf(outcomes);
    }
}
