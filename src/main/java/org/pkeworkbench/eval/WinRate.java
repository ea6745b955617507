package org.pkeworkbench.eval;

import java.util.List;

/**
 * Win rate of response A (the candidate) against response B (the baseline) from pairwise
 * preferences. A win counts 1, a tie 0.5 and a loss 0, so a tie splits the point between both sides.
 *
 * <p>The interval is the 95% Wilson score interval of the rate {@code p} over {@code n}
 * comparisons, computed as if each comparison were a Bernoulli trial with mean {@code p}. A score
 * in [0, 1] with mean {@code p} has variance at most {@code p(1 - p)}, and ties (score 0.5) have
 * less, so with ties the interval is conservative (wider than the true spread needs); without
 * ties it equals {@link Rates#wilson} of the win count.
 */
public final class WinRate {

    private WinRate() {
    }

    /**
     * Computes the win rate of A over the given preferences.
     *
     * @throws IllegalArgumentException when {@code preferences} is empty
     */
    public static WinRateResult compute(List<Preference> preferences) {
        if (preferences.isEmpty()) {
            throw new IllegalArgumentException("A win rate needs at least one comparison; the list is empty");
        }

        int wins = 0;
        int ties = 0;
        int losses = 0;
        double probabilitySum = 0.0;
        for (Preference preference : preferences) {
            switch (preference.label()) {
                case A -> wins++;
                case TIE -> ties++;
                case B -> losses++;
            }
            probabilitySum += preference.probabilityA();
        }

        int total = preferences.size();
        double rate = (wins + 0.5 * ties) / total;
        double[] bounds = Rates.wilsonBounds(rate, total);
        return new WinRateResult(rate, wins, ties, losses, total, bounds[0], bounds[1], probabilitySum / total);
    }
}
