package org.pkeworkbench.app;

/**
 * A half-open range of MLP neuron indices, {@code [start, end)}.
 *
 * @param start first neuron, at least 0
 * @param end one past the last neuron, greater than {@code start}
 */
public record NeuronRange(int start, int end) {

    public NeuronRange {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("Invalid neuron range [" + start + ", " + end + "): expected 0 <= start < end");
        }
    }

    /** Returns the number of neurons in the range. */
    public int size() {
        return end - start;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
