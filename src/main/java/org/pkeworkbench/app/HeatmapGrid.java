package org.pkeworkbench.app;

/**
 * A neuron range {@code [S, S + N)} of a layers-by-neurons score matrix, reduced to at most a
 * given number of columns so that one column maps to one screen pixel.
 *
 * <p>Column {@code c} of {@code C} covers neurons
 * {@code [S + floor(c * N / C), S + floor((c + 1) * N / C))}. Neuron indices in and out of this
 * class are indices into the whole matrix, not offsets into the range. Each cell stores the value with the largest magnitude in its range, with its sign,
 * and the index of that neuron, so a single strong neuron stays visible however far the matrix
 * is reduced. NaN scores are skipped, and a cell with only NaN scores is NaN.
 */
final class HeatmapGrid {

    private final int firstVisibleNeuron;
    private final int neuronCount;
    private final float[][] values;
    private final int[][] neurons;
    private final float maxMagnitude;

    private HeatmapGrid(int firstVisibleNeuron, int neuronCount, float[][] values, int[][] neurons, float maxMagnitude) {
        this.firstVisibleNeuron = firstVisibleNeuron;
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
        return aggregate(scores, new NeuronRange(0, validatedNeuronCount(scores)), maxColumns);
    }

    /**
     * Reduces the neurons {@code range} of {@code scores} to {@code min(range.size(), maxColumns)}
     * columns.
     *
     * @param scores {@code [layers][neurons]}, every row the same length
     * @param range visible neurons, within the matrix
     * @param maxColumns upper bound on the columns, usually the plot width in pixels, at least 1
     */
    static HeatmapGrid aggregate(float[][] scores, NeuronRange range, int maxColumns) {
        int totalNeurons = validatedNeuronCount(scores);
        if (range.end() > totalNeurons) {
            throw new IllegalArgumentException("Neuron range " + range + " exceeds the " + totalNeurons + " neurons of the matrix");
        }
        int neuronCount = range.size();
        int offset = range.start();
        if (maxColumns < 1) {
            throw new IllegalArgumentException("Heatmap needs at least 1 column, got " + maxColumns);
        }
        int columns = Math.min(neuronCount, maxColumns);
        float[][] values = new float[scores.length][columns];
        int[][] neurons = new int[scores.length][columns];
        float maxMagnitude = 0;

        for (int row = 0; row < scores.length; row++) {
            for (int column = 0; column < columns; column++) {
                int start = offset + firstNeuron(column, columns, neuronCount);
                int end = offset + firstNeuron(column + 1, columns, neuronCount);
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
        return new HeatmapGrid(offset, neuronCount, values, neurons, maxMagnitude);
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

    /** Returns the number of visible neurons, {@code N}. */
    int neuronCount() {
        return neuronCount;
    }

    /** Returns the visible neurons, {@code [S, S + N)}. */
    NeuronRange range() {
        return new NeuronRange(firstVisibleNeuron, firstVisibleNeuron + neuronCount);
    }

    /** Returns the first neuron that {@code column} covers, or the range end for {@code column == columns()}. */
    int firstNeuron(int column) {
        return firstVisibleNeuron + firstNeuron(column, columns(), neuronCount);
    }

    /**
     * Returns the column that covers visible {@code neuron}: with {@code n = neuron - S}, the
     * smallest {@code c} with {@code floor((c + 1) * N / C) > n}, which is
     * {@code ceil((n + 1) * C / N) - 1}.
     */
    int columnOf(int neuron) {
        long columns = columns();
        long offset = neuron - (long) firstVisibleNeuron;
        return (int) (((offset + 1) * columns + neuronCount - 1) / neuronCount - 1);
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
