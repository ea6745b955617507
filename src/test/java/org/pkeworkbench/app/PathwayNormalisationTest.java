package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathwayNormalisationTest {

    @Test
    void dividesByMaxMagnitude() {
        double[] normalised = PathwayChartView.normaliseToMaxMagnitude(new double[] {1, -4, 2});

        assertArrayEquals(new double[] {0.25, -1, 0.5}, normalised, 1e-12);
    }

    @Test
    void allZeroStaysZero() {
        assertArrayEquals(new double[] {0, 0}, PathwayChartView.normaliseToMaxMagnitude(new double[] {0, 0}), 0);
    }

    @Test
    void nanIgnoredForMaximum() {
        double[] normalised = PathwayChartView.normaliseToMaxMagnitude(new double[] {Double.NaN, 2, 1});

        assertTrue(Double.isNaN(normalised[0]));
        assertEquals(1.0, normalised[1], 1e-12);
        assertEquals(0.5, normalised[2], 1e-12);
    }
}
