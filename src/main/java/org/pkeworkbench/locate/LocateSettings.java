package org.pkeworkbench.locate;

/**
 * How the locator turns scores into hot spots.
 *
 * @param layerCount how many of the best-scoring layers get hot spots
 * @param selection how neurons are chosen within a layer
 * @param selectionValue for {@link NeuronSelection#COUNT} a neuron count, for
 *     {@link NeuronSelection#FRACTION} a fraction of the layer's neurons, for
 *     {@link NeuronSelection#SCORE_SHARE} the share of the layer's total neuron score to cover
 * @param hiddenDifferenceWeight weight of the normalised hidden-state difference in the layer score
 * @param gradientWeight weight of the normalised gradient score in the layer score
 * @param logitLensWeight weight of the normalised logit-lens margin increase in the layer score
 * @param neuronRanking which per-neuron score {@code selection} applies to
 * @param probeSteps gradient steps of the weight-change probe; 0 (no probe) with
 *     {@link NeuronRanking#LOCATOR_SCORE}, at least 1 with {@link NeuronRanking#PROBE_MOVEMENT}
 */
public record LocateSettings(int layerCount, NeuronSelection selection, double selectionValue,
        double hiddenDifferenceWeight, double gradientWeight, double logitLensWeight,
        NeuronRanking neuronRanking, int probeSteps) {

    /**
     * Two layers, the top fifth of each layer's neurons, the three layer scores weighted equally,
     * neurons ranked by locator score. On the demo model a fifth cut ASR further than a tenth at
     * the same over-refusal (docs/method.md).
     */
    public static final LocateSettings DEFAULT = new LocateSettings(2, NeuronSelection.FRACTION, 0.2, 1, 1, 1);

    public LocateSettings {
        if (layerCount < 1) {
            throw new IllegalArgumentException("layerCount must be >= 1, got " + layerCount);
        }
        if (selectionValue <= 0 || (selection != NeuronSelection.COUNT && selectionValue > 1)) {
            throw new IllegalArgumentException("Neuron selection value " + selectionValue + " is out of range for "
                    + selection + " (COUNT: >= 1; FRACTION and SCORE_SHARE: in (0, 1])");
        }
        if (neuronRanking == null) {
            throw new IllegalArgumentException("neuronRanking is missing; use LOCATOR_SCORE or PROBE_MOVEMENT");
        }
        if (probeSteps < 0) {
            throw new IllegalArgumentException("probeSteps must be >= 0 (0 turns the probe off), got " + probeSteps);
        }
        if (neuronRanking == NeuronRanking.PROBE_MOVEMENT && probeSteps == 0) {
            throw new IllegalArgumentException("Ranking neurons by PROBE_MOVEMENT needs probeSteps >= 1");
        }
        if (neuronRanking == NeuronRanking.LOCATOR_SCORE && probeSteps > 0) {
            throw new IllegalArgumentException("probeSteps is " + probeSteps + " but neurons are ranked by "
                    + "LOCATOR_SCORE, so the probe would run for nothing; set probeSteps to 0 or rank by PROBE_MOVEMENT");
        }
    }

    /** Settings that rank neurons by locator score, without a probe. */
    public LocateSettings(int layerCount, NeuronSelection selection, double selectionValue,
            double hiddenDifferenceWeight, double gradientWeight, double logitLensWeight) {
        this(layerCount, selection, selectionValue, hiddenDifferenceWeight, gradientWeight, logitLensWeight,
                NeuronRanking.LOCATOR_SCORE, 0);
    }

    /**
     * Returns these settings with {@code steps} probe steps: ranking by {@link NeuronRanking#PROBE_MOVEMENT}
     * when {@code steps > 0}, by {@link NeuronRanking#LOCATOR_SCORE} when it is 0.
     */
    public LocateSettings withProbeSteps(int steps) {
        NeuronRanking ranking = steps > 0 ? NeuronRanking.PROBE_MOVEMENT : NeuronRanking.LOCATOR_SCORE;
        return new LocateSettings(layerCount, selection, selectionValue, hiddenDifferenceWeight, gradientWeight,
                logitLensWeight, ranking, steps);
    }

    /** How neurons are chosen within a hot-spot layer. */
    public enum NeuronSelection {
        /** A fixed number of the highest-scoring neurons. */
        COUNT,
        /** A fixed fraction of the layer's neurons. */
        FRACTION,
        /** The fewest top neurons whose scores add up to a share of the layer's total. */
        SCORE_SHARE
    }

    /** The per-neuron score that selects neurons within the located layers. */
    public enum NeuronRanking {
        /** The locator's activation difference times gradient, {@link LocateResult#neuronScores()}. */
        LOCATOR_SCORE,
        /**
         * How far each neuron's weights move in a few unmasked gradient steps on the edit loss over
         * whole layers (the weight-change probe in the edit package).
         */
        PROBE_MOVEMENT
    }
}
