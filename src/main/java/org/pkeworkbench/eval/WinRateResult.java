package org.pkeworkbench.eval;

/**
 * A win rate of response A over response B with its 95% interval.
 *
 * @param rate {@code (wins + ties / 2) / total}, in [0, 1]
 * @param wins comparisons where A was preferred
 * @param ties comparisons judged a tie
 * @param losses comparisons where B was preferred
 * @param total number of comparisons, at least 1
 * @param lower lower bound of the 95% Wilson score interval, in [0, rate]
 * @param upper upper bound of the 95% Wilson score interval, in [rate, 1]
 * @param meanProbabilityA the mean of the judge's probability that A is better
 */
public record WinRateResult(double rate, int wins, int ties, int losses, int total, double lower, double upper,
        double meanProbabilityA) {

    public WinRateResult {
        if (total <= 0 || wins < 0 || ties < 0 || losses < 0 || wins + ties + losses != total) {
            throw new IllegalArgumentException("A win rate needs wins + ties + losses = total >= 1, got "
                    + wins + " + " + ties + " + " + losses + " = " + total);
        }
    }
}
