package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;

/**
 * The contribution measure of information-flow routes: for parts {@code x_i} of a whole {@code y},
 * {@code c_i = max(0, |y|_1 - |y - x_i|_1)}, divided by the sum over all parts of the node.
 */
final class Contributions {

    private Contributions() {}

    /**
     * L1 distance between each part and its whole along the last axis.
     *
     * @param whole {@code [seq, hidden]}
     * @param parts {@code [parts, seq, hidden]}
     * @return {@code [parts][seq]}
     */
    static double[][] distances(NDArray whole, NDArray parts) {
        int count = (int) parts.getShape().get(0);
        int seq = (int) parts.getShape().get(1);
        float[] flat = whole.expandDims(0).sub(parts).abs().sum(new int[] {2}).toFloatArray();
        double[][] out = new double[count][seq];
        for (int i = 0; i < count; i++) {
            for (int t = 0; t < seq; t++) {
                out[i][t] = flat[i * seq + t];
            }
        }
        return out;
    }

    /** L1 norm of each row: {@code [seq, hidden]} to {@code [seq]}. */
    static double[] norms(NDArray rows) {
        float[] flat = rows.abs().sum(new int[] {1}).toFloatArray();
        double[] out = new double[flat.length];
        for (int i = 0; i < flat.length; i++) {
            out[i] = flat[i];
        }
        return out;
    }

    /**
     * Turns distances into normalised contributions for one node. The result sums to 1, unless
     * every part's raw contribution is 0, and then it is all 0.
     *
     * @param wholeNorm {@code |y|_1}
     * @param partDistances {@code |y - x_i|_1} per part
     */
    static double[] normalise(double wholeNorm, double[] partDistances) {
        double[] out = new double[partDistances.length];
        double total = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(0, wholeNorm - partDistances[i]);
            total += out[i];
        }
        if (total > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] /= total;
            }
        }
        return out;
    }
}
