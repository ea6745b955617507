package org.pkeworkbench.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.RopeScaling;
import org.pkeworkbench.model.Tensors;

/**
 * Rotary position embedding in the rotate-half layout that Hugging Face Llama checkpoints use,
 * with {@code linear} and {@code llama3} frequency scaling. Angles are computed in double
 * precision and rounded once to float.
 */
final class RotaryEmbedding {

    /** Positions in the first angle table; 256 positions of head size 128 take 256 KiB. */
    private static final int INITIAL_POSITIONS = 256;

    private final int headDim;
    /** The model's context length in tokens ({@code max_position_embeddings}). */
    private final int maxPositions;
    /** One inverse frequency per pair of dimensions, {@code [headDim / 2]}, radians per position. */
    private final double[] inverseFrequencies;
    /** The angle table of the longest sequence so far; replaced, never changed, when a longer one is needed. */
    private volatile AngleRows angleRows;

    RotaryEmbedding(ModelConfig config) {
        this.headDim = config.headDim();
        this.maxPositions = config.maxPositions();
        this.inverseFrequencies = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        this.angleRows = new AngleRows(INITIAL_POSITIONS, headDim, inverseFrequencies);
    }

    static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] frequencies = new double[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        switch (scaling.type()) {
            case "linear":
                for (int i = 0; i < frequencies.length; i++) {
                    frequencies[i] /= scaling.factor();
                }
                break;
            case "llama3":
                applyLlama3(frequencies, scaling);
                break;
            default:
                break;
        }
        return frequencies;
    }

    /**
     * Llama 3 scaling: long wavelengths are divided by {@code factor}, short ones kept, and those in
     * between interpolated linearly in {@code originalMaxPositions / wavelength}.
     */
    private static void applyLlama3(double[] frequencies, RopeScaling scaling) {
        double original = scaling.originalMaxPositions();
        double lowFrequencyWavelength = original / scaling.lowFreqFactor();
        double highFrequencyWavelength = original / scaling.highFreqFactor();
        for (int i = 0; i < frequencies.length; i++) {
            double wavelength = 2 * Math.PI / frequencies[i];
            if (wavelength > lowFrequencyWavelength) {
                frequencies[i] = frequencies[i] / scaling.factor();
            } else if (wavelength >= highFrequencyWavelength) {
                double smooth = (original / wavelength - scaling.lowFreqFactor())
                        / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                frequencies[i] = (1 - smooth) * frequencies[i] / scaling.factor() + smooth * frequencies[i];
            }
        }
    }

    /**
     * Returns cosine and sine tables for the given positions, each {@code [batch, 1, seq, headDim]}.
     *
     * @param positions row-major {@code [batch, seq]} token positions
     */
    NDArray[] tables(NDManager manager, long[] positions, int batch, int seq) {
        long largest = 0;
        for (long position : positions) {
            largest = Math.max(largest, position);
        }
        AngleRows rows = rowsThrough(largest);

        float[] cos = new float[positions.length * headDim];
        float[] sin = new float[positions.length * headDim];
        for (int p = 0; p < positions.length; p++) {
            int from = (int) positions[p] * headDim;
            System.arraycopy(rows.cos, from, cos, p * headDim, headDim);
            System.arraycopy(rows.sin, from, sin, p * headDim, headDim);
        }
        Shape shape = new Shape(batch, 1, seq, headDim);
        // Autograd saves these tables for the backward pass, so they must live in libtorch memory.
        return new NDArray[] {Tensors.owned(manager.create(cos, shape)), Tensors.owned(manager.create(sin, shape))};
    }

    /**
     * Returns rows that cover positions 0 to {@code position}, computing a longer set when needed.
     * Two passes on different threads may each compute one, and either result is correct.
     */
    private AngleRows rowsThrough(long position) {
        AngleRows rows = angleRows;
        if (position < rows.positions) {
            return rows;
        }
        if (position >= Integer.MAX_VALUE / headDim) {
            throw new IllegalArgumentException("Position " + position + " is too large for rotary tables");
        }
        // Doubling keeps recomputations rare. Past the model's context length, only the requested positions are added.
        long doubled = Math.min(2L * rows.positions, Math.max(maxPositions, rows.positions));
        int positions = (int) Math.min(Integer.MAX_VALUE / headDim, Math.max(position + 1, doubled));
        rows = new AngleRows(positions, headDim, inverseFrequencies);
        angleRows = rows;
        return rows;
    }

    /**
     * Cosines and sines of {@code position * inverseFrequency} for the first {@code positions}
     * positions, {@code [positions, headDim]} row-major, each half of a row holding the same values.
     * They are computed once and copied into every pass's tables. Computing them in each pass made
     * the JIT's optimising compiler spend 168 to 240 ms on this loop, on one of two cores, during
     * passes that libtorch runs on both.
     */
    private static final class AngleRows {
        final int positions;
        final float[] cos;
        final float[] sin;

        AngleRows(int positions, int headDim, double[] inverseFrequencies) {
            this.positions = positions;
            int half = headDim / 2;
            cos = new float[positions * headDim];
            sin = new float[positions * headDim];
            for (int p = 0; p < positions; p++) {
                for (int i = 0; i < half; i++) {
                    double angle = p * inverseFrequencies[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[p * headDim + i] = c;
                    cos[p * headDim + half + i] = c;
                    sin[p * headDim + i] = s;
                    sin[p * headDim + half + i] = s;
                }
            }
        }
    }

    /** Rotates {@code x} ({@code [batch, heads, seq, headDim]}) by the tables from {@link #tables}. */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = second.neg().concat(first, 3);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
