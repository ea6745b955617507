package org.pkeworkbench.eval;

/**
 * A pairwise judge's verdict on two responses to one instruction.
 *
 * @param probabilityA the judge's probability that response A is better, in [0, 1]
 * @param label the discrete verdict
 */
public record Preference(double probabilityA, Label label) {

    /** The response a judge prefers, or a tie. */
    public enum Label {
        A,
        B,
        TIE
    }

    public Preference {
        if (!(probabilityA >= 0.0 && probabilityA <= 1.0)) {
            throw new IllegalArgumentException("probabilityA must be in [0, 1], got " + probabilityA);
        }
        if (label == null) {
            throw new IllegalArgumentException("A preference needs a label (A, B or TIE)");
        }
    }

    /**
     * Labels a probability: TIE when it lies within {@code tieMargin} of 0.5, else A above 0.5 and
     * B below.
     *
     * @param tieMargin half-width of the tie band around 0.5, in [0, 0.5]
     */
    public static Preference fromProbability(double probabilityA, double tieMargin) {
        if (!(tieMargin >= 0.0 && tieMargin <= 0.5)) {
            throw new IllegalArgumentException("tieMargin must be in [0, 0.5], got " + tieMargin);
        }
        Label label;
        if (Math.abs(probabilityA - 0.5) <= tieMargin) {
            label = Label.TIE;
        } else {
            label = probabilityA > 0.5 ? Label.A : Label.B;
        }
        return new Preference(probabilityA, label);
    }

    /** Returns the score of response A in a win rate: 1 for a win, 0.5 for a tie, 0 for a loss. */
    public double scoreA() {
        return switch (label) {
            case A -> 1.0;
            case TIE -> 0.5;
            case B -> 0.0;
        };
    }
}
