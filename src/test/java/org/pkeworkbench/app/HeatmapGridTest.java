package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HeatmapGridTest {

    @Test
    void keepsSignedMaxMagnitudePerColumn() {
        float[][] scores = {
            {0.1f, -0.9f, 0.3f, 0.2f, 0.5f, 0.4f},
            {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.7f},
        };

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, 3);

        assertEquals(3, grid.columns());
        assertEquals(-0.9f, grid.value(0, 0));
        assertEquals(1, grid.neuron(0, 0));
        assertEquals(0.3f, grid.value(0, 1));
        assertEquals(2, grid.neuron(0, 1));
        assertEquals(0.5f, grid.value(0, 2));
        assertEquals(4, grid.neuron(0, 2));
        assertEquals(5, grid.neuron(1, 2));
        assertEquals(0.9f, grid.maxMagnitude());
    }

    @Test
    void fewerNeuronsThanColumnsKeepsEveryNeuron() {
        float[][] scores = {{1, 2, 3}};

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, 100);

        assertEquals(3, grid.columns());
        for (int neuron = 0; neuron < 3; neuron++) {
            assertEquals(neuron, grid.neuron(0, neuron));
            assertEquals(neuron, grid.columnOf(neuron));
        }
    }

    @Test
    void columnsCoverEveryNeuronOnce() {
        int neurons = 14_336;
        int columns = 997;
        float[][] scores = new float[1][neurons];

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, columns);

        assertEquals(0, grid.firstNeuron(0));
        for (int neuron = 0; neuron < neurons; neuron++) {
            int column = grid.columnOf(neuron);
            assertTrue(grid.firstNeuron(column) <= neuron, "neuron " + neuron + " is left of column " + column);
            int nextStart = column + 1 < columns ? grid.firstNeuron(column + 1) : neurons;
            assertTrue(neuron < nextStart, "neuron " + neuron + " is right of column " + column);
        }
    }

    @Test
    void reportedNeuronHoldsColumnMax() {
        Random random = new Random(7);
        float[][] scores = new float[4][5_000];
        for (float[] row : scores) {
            for (int neuron = 0; neuron < row.length; neuron++) {
                row[neuron] = (float) random.nextGaussian();
            }
        }

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, 123);

        for (int row = 0; row < scores.length; row++) {
            for (int column = 0; column < grid.columns(); column++) {
                int end = column + 1 < grid.columns() ? grid.firstNeuron(column + 1) : 5_000;
                float max = 0;
                for (int neuron = grid.firstNeuron(column); neuron < end; neuron++) {
                    max = Math.max(max, Math.abs(scores[row][neuron]));
                }
                assertEquals(max, Math.abs(grid.value(row, column)));
                assertEquals(grid.value(row, column), scores[row][grid.neuron(row, column)]);
            }
        }
    }

    @Test
    void nanScoresSkipped() {
        float[][] scores = {{Float.NaN, 0.2f, Float.NaN, Float.NaN}};

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, 2);

        assertEquals(0.2f, grid.value(0, 0));
        assertEquals(1, grid.neuron(0, 0));
        assertTrue(Float.isNaN(grid.value(0, 1)));
    }

    @Test
    void raggedScoresRejected() {
        float[][] scores = {{1, 2, 3}, {1, 2}};

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> HeatmapGrid.aggregate(scores, 10));

        assertTrue(error.getMessage().contains("layer 1 has 2"), error.getMessage());
    }

    @Test
    void rangeAggregatesOnlyVisibleNeurons() {
        float[][] scores = {{9f, 0.1f, 0.2f, -0.6f, 0.4f, 0.5f, 8f}};

        HeatmapGrid grid = HeatmapGrid.aggregate(scores, new NeuronRange(1, 6), 2);

        assertEquals(new NeuronRange(1, 6), grid.range());
        assertEquals(5, grid.neuronCount());
        assertEquals(2, grid.columns());
        assertEquals(1, grid.firstNeuron(0));
        assertEquals(3, grid.firstNeuron(1));
        assertEquals(6, grid.firstNeuron(2), "the column after the last is the range end");
        assertEquals(0.2f, grid.value(0, 0));
        assertEquals(2, grid.neuron(0, 0));
        assertEquals(-0.6f, grid.value(0, 1));
        assertEquals(3, grid.neuron(0, 1));
        assertEquals(0, grid.columnOf(2));
        assertEquals(1, grid.columnOf(3));
        assertEquals(0.6f, grid.maxMagnitude(), "neurons outside the range do not count");
    }

    @Test
    void rangeBeyondMatrixIsRejected() {
        float[][] scores = new float[2][10];

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> HeatmapGrid.aggregate(scores, new NeuronRange(5, 11), 4));

        assertTrue(error.getMessage().contains("[5, 11)"), error.getMessage());
    }
}
