package org.pkeworkbench.app;

/**
 * A binomial proportion such as an attack success rate: {@code count} of {@code total} prompts.
 *
 * @param count prompts that had the property (for ASR: judged unsafe)
 * @param total prompts judged
 */
public record Proportion(int count, int total) {

    /** z for a two-sided 95% interval. */
    private static final double Z_95 = 1.959963984540054;

    public Proportion {
        if (total < 0 || count < 0 || count > total) {
            throw new IllegalArgumentException("Proportion needs 0 <= count <= total, got " + count + " of " + total);
        }
    }

    /** Returns count / total, or NaN when nothing was judged. */
    public double value() {
        return total == 0 ? Double.NaN : (double) count / total;
    }

    /**
     * Returns the 95% Wilson score interval, which stays inside [0, 1] and is usable at 0 or all
     * counts, unlike the normal approximation. Both bounds are NaN when nothing was judged.
     */
    public Interval wilson95() {
        if (total == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        double n = total;
        double p = value();
        double z2 = Z_95 * Z_95;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double halfWidth = Z_95 / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new Interval(Math.max(0, centre - halfWidth), Math.min(1, centre + halfWidth));
    }

    /** A closed interval [lower, upper] of proportions. */
    public record Interval(double lower, double upper) {}
}
