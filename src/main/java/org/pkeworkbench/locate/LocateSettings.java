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
 */
public record LocateSettings(int layerCount, NeuronSelection selection, double selectionValue,
        double hiddenDifferenceWeight, double gradientWeight, double logitLensWeight) {

    /**
     * Two layers, the top fifth of each layer's neurons, the three layer scores weighted equally. On
     * the demo model a fifth cut ASR further than a tenth at the same over-refusal (docs/method.md).
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
}
