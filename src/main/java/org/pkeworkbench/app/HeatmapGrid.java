package org.pkeworkbench.app;

/**
 * A layers-by-neurons score matrix reduced to at most a given number of columns, so that one
 * column maps to one screen pixel.
 *
 * <p>Column {@code c} of {@code C} covers neurons {@code [floor(c * N / C), floor((c + 1) * N / C))}
 * of {@code N}. Each cell stores the value with the largest magnitude in its range, with its sign,
 * and the index of that neuron, so a single strong neuron stays visible however far the matrix
 * is reduced. NaN scores are skipped, and a cell with only NaN scores is NaN.
 */
final class HeatmapGrid {

    private final int neuronCount;
    private final float[][] values;
    private final int[][] neurons;
    private final float maxMagnitude;

    private HeatmapGrid(int neuronCount, float[][] values, int[][] neurons, float maxMagnitude) {
        this.neuronCount = neuronCount;
        this.values = values;
        this.neurons = neurons;
        this.maxMagnitude = maxMagnitude;
    }

    /**
     * Reduces {@code scores} to {@code min(neurons, maxColumns)} columns.
     *
     * @param scores {@code [layers][neurons]}, every row the same length
     * @param maxColumns upper bound on the columns, usually the plot width in pixels, at least 1
     */
    static HeatmapGrid aggregate(float[][] scores, int maxColumns) {
        int neuronCount = validatedNeuronCount(scores);
        if (maxColumns < 1) {
            throw new IllegalArgumentException("Heatmap needs at least 1 column, got " + maxColumns);
        }
        int columns = Math.min(neuronCount, maxColumns);
        float[][] values = new float[scores.length][columns];
        int[][] neurons = new int[scores.length][columns];
        float maxMagnitude = 0;

        for (int row = 0; row < scores.length; row++) {
            for (int column = 0; column < columns; column++) {
                int start = firstNeuron(column, columns, neuronCount);
                int end = firstNeuron(column + 1, columns, neuronCount);
                float best = Float.NaN;
                int bestNeuron = start;
                for (int neuron = start; neuron < end; neuron++) {
                    float value = scores[row][neuron];
                    if (!Float.isNaN(value) && (Float.isNaN(best) || Math.abs(value) > Math.abs(best))) {
                        best = value;
                        bestNeuron = neuron;
                    }
                }
                values[row][column] = best;
                neurons[row][column] = bestNeuron;
                if (!Float.isNaN(best)) {
                    maxMagnitude = Math.max(maxMagnitude, Math.abs(best));
                }
            }
        }
        return new HeatmapGrid(neuronCount, values, neurons, maxMagnitude);
    }

    private static int validatedNeuronCount(float[][] scores) {
        if (scores.length == 0 || scores[0].length == 0) {
            throw new IllegalArgumentException("Heatmap scores must have at least one layer and one neuron");
        }
        int neuronCount = scores[0].length;
        for (int row = 1; row < scores.length; row++) {
            if (scores[row].length != neuronCount) {
                throw new IllegalArgumentException("Heatmap scores must have the same neuron count in every layer: layer 0 has "
                        + neuronCount + ", layer " + row + " has " + scores[row].length);
            }
        }
        return neuronCount;
    }

    private static int firstNeuron(int column, int columns, int neuronCount) {
        return (int) ((long) column * neuronCount / columns);
    }

    int rows() {
        return values.length;
    }

    int columns() {
        return values[0].length;
    }

    int neuronCount() {
        return neuronCount;
    }

    /** Returns the first neuron that {@code column} covers. */
    int firstNeuron(int column) {
        return firstNeuron(column, columns(), neuronCount);
    }

    /**
     * Returns the column that covers {@code neuron}: the smallest {@code c} with
     * {@code floor((c + 1) * N / C) > neuron}, which is {@code ceil((neuron + 1) * C / N) - 1}.
     */
    int columnOf(int neuron) {
        long columns = columns();
        return (int) (((neuron + 1L) * columns + neuronCount - 1) / neuronCount - 1);
    }

    /** Returns the largest-magnitude value of the cell, with its sign. */
    float value(int row, int column) {
        return values[row][column];
    }

    /** Returns the neuron whose score is {@link #value(int, int)}. */
    int neuron(int row, int column) {
        return neurons[row][column];
    }

    /** Returns the largest magnitude over all cells, 0 when every score is 0 or NaN. */
    float maxMagnitude() {
        return maxMagnitude;
    }
}
