package org.pkeworkbench.eval;

/**
 * A proportion with its 95% Wilson score interval.
 *
 * @param rate {@code count / total}
 * @param count number of positive outcomes
 * @param total number of trials, at least 1
 * @param lower lower bound of the interval, in [0, rate]
 * @param upper upper bound of the interval, in [rate, 1]
 */
public record RateWithInterval(double rate, int count, int total, double lower, double upper) {

    public RateWithInterval {
        if (total <= 0 || count < 0 || count > total) {
            throw new IllegalArgumentException(
                    "Rate needs 0 <= count <= total and total >= 1, got " + count + "/" + total);
        }
    }

    /** Returns the half-width of the interval's larger side, a rough plus-or-minus. */
    public double maxHalfWidth() {
        return Math.max(rate - lower, upper - rate);
    }
}
