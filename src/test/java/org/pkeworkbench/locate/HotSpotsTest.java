package org.pkeworkbench.locate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.LocateSettings.NeuronRanking;
import org.pkeworkbench.locate.LocateSettings.NeuronSelection;

/** Neuron selection on hand-made score arrays, and the probe fields of {@link LocateSettings}. */
class HotSpotsTest {

    /** Total 10; sorted: 4 (j=3), 3 (j=1), 2 (j=4), 1 (j=0), then 0 for both j=2 and j=5. */
    private static final float[] SCORES = {1f, 3f, 0f, 4f, 2f, 0f};

    private static LocateSettings settings(NeuronSelection selection, double value) {
        return new LocateSettings(1, selection, value, 1, 1, 1);
    }

    @Test
    void countTakesHighestScores() {
        assertEquals(List.of(3, 1, 4), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.COUNT, 3)));
    }

    @Test
    void countBreaksTiesByLowerIndex() {
        assertEquals(List.of(3, 1, 4, 0, 2), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.COUNT, 5)));
    }

    @Test
    void countAboveLayerSizeTakesAll() {
        assertEquals(6, HotSpots.selectNeurons(SCORES, settings(NeuronSelection.COUNT, 50)).size());
    }

    @Test
    void fractionRoundsAndKeepsAtLeastOne() {
        // 0.5 * 6 = 3; 0.25 * 6 = 1.5 rounds to 2; 0.01 * 6 rounds to 0, raised to 1.
        assertEquals(List.of(3, 1, 4), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.FRACTION, 0.5)));
        assertEquals(List.of(3, 1), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.FRACTION, 0.25)));
        assertEquals(List.of(3), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.FRACTION, 0.01)));
    }

    @Test
    void scoreShareTakesFewestCoveringNeurons() {
        // 4 covers 40%; 4 + 3 covers 70%; 4 + 3 + 2 covers 90%.
        assertEquals(List.of(3), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.SCORE_SHARE, 0.4)));
        assertEquals(List.of(3, 1), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.SCORE_SHARE, 0.5)));
        assertEquals(List.of(3, 1, 4), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.SCORE_SHARE, 0.9)));
        assertEquals(List.of(3, 1, 4, 0), HotSpots.selectNeurons(SCORES, settings(NeuronSelection.SCORE_SHARE, 1.0)));
    }

    @Test
    void scoreShareOfZeroScoresKeepsOne() {
        assertEquals(List.of(0), HotSpots.selectNeurons(new float[4], settings(NeuronSelection.SCORE_SHARE, 0.9)));
    }

    @Test
    void emptyScoresAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> HotSpots.selectNeurons(new float[0], settings(NeuronSelection.COUNT, 1)));
    }

    @Test
    void locatorUsesSameSelection() {
        float[][] table = {{0f, 0f, 0f, 0f, 0f, 0f}, SCORES};
        LocateSettings share = settings(NeuronSelection.SCORE_SHARE, 0.5);

        List<HotSpot> spots = Locator.selectHotSpots(new double[] {0.1, 0.9}, table, share);

        assertEquals(1, spots.size());
        assertEquals(1, spots.get(0).layer());
        assertEquals(List.of(1, 3), spots.get(0).neurons());
    }

    @Test
    void defaultRanksByLocatorScoreWithoutProbe() {
        assertEquals(NeuronRanking.LOCATOR_SCORE, LocateSettings.DEFAULT.neuronRanking());
        assertEquals(0, LocateSettings.DEFAULT.probeSteps());
    }

    @Test
    void withProbeStepsSwitchesRanking() {
        LocateSettings probed = LocateSettings.DEFAULT.withProbeSteps(3);
        assertEquals(NeuronRanking.PROBE_MOVEMENT, probed.neuronRanking());
        assertEquals(3, probed.probeSteps());
        assertEquals(LocateSettings.DEFAULT, probed.withProbeSteps(0));
    }

    @Test
    void inconsistentProbeSettingsAreRejected() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> LocateSettings.DEFAULT.withProbeSteps(-1));
        assertTrue(negative.getMessage().contains("probeSteps must be >= 0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new LocateSettings(2, NeuronSelection.FRACTION, 0.2, 1, 1, 1, NeuronRanking.PROBE_MOVEMENT, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LocateSettings(2, NeuronSelection.FRACTION, 0.2, 1, 1, 1, NeuronRanking.LOCATOR_SCORE, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new LocateSettings(2, NeuronSelection.FRACTION, 0.2, 1, 1, 1, null, 0));
    }
}
