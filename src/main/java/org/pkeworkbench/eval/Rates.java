package org.pkeworkbench.eval;

/** Proportions with confidence intervals, such as attack success rate and over-refusal rate. */
public final class Rates {

    /** The standard normal quantile for a two-sided 95% interval, Phi^-1(0.975). */
    public static final double Z_95 = 1.959963984540054;

    private Rates() {
    }

    /**
     * Returns {@code count / total} with its 95% Wilson score interval:
     * {@code (p + z^2/2n -+ z * sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)}. Unlike the normal
     * approximation it stays inside [0, 1] and is not zero-width at 0 or n successes.
     *
     * @throws IllegalArgumentException unless {@code 0 <= count <= total} and {@code total >= 1}
     */
    public static RateWithInterval wilson(int count, int total) {
        if (total <= 0 || count < 0 || count > total) {
            throw new IllegalArgumentException(
                    "Rate needs 0 <= count <= total and total >= 1, got " + count + "/" + total);
        }

        double p = count / (double) total;
        double[] bounds = wilsonBounds(p, total);
        return new RateWithInterval(p, count, total, bounds[0], bounds[1]);
    }

    /**
     * Returns the 95% Wilson score bounds {@code {lower, upper}} for an observed proportion {@code
     * p} over {@code total} trials, by the formula of {@link #wilson}. Unlike {@link #wilson} it
     * accepts a proportion that is not a whole count over {@code total}, such as a win rate with
     * ties counted as half a win.
     *
     * @throws IllegalArgumentException unless {@code 0 <= p <= 1} and {@code total >= 1}
     */
    public static double[] wilsonBounds(double p, int total) {
        if (total <= 0 || !(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(
                    "Wilson bounds need 0 <= p <= 1 and total >= 1, got p = " + p + ", total = " + total);
        }
        double n = total;
        double z2 = Z_95 * Z_95;
        double denominator = 1.0 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denominator;
        double halfWidth = Z_95 * Math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator;

        // Clamp rounding error so that lower <= p <= upper is exact at 0 and n successes.
        double lower = Math.max(0.0, Math.min(p, center - halfWidth));
        double upper = Math.min(1.0, Math.max(p, center + halfWidth));
        return new double[] {lower, upper};
    }
}
