package org.pkeworkbench.trace;

/**
 * Settings of a causal trace.
 *
 * @param samples noisy runs averaged per measurement, at least 1
 * @param noiseMultiplier noise standard deviation as a multiple of the embedding matrix's standard deviation, at least 0
 * @param seed seed of the {@link java.util.Random} that draws the noise
 * @param corruptFrom first corrupted prompt position
 * @param corruptTo position after the last corrupted one; -1 means the prompt's length
 */
public record CausalTraceSettings(int samples, double noiseMultiplier, long seed, int corruptFrom, int corruptTo) {

    public static final int DEFAULT_SAMPLES = 10;
    public static final double DEFAULT_NOISE_MULTIPLIER = 3.0;

    public CausalTraceSettings {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1, got " + samples);
        }
        if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
            throw new IllegalArgumentException("noise multiplier must be a finite number >= 0, got " + noiseMultiplier);
        }
        if (corruptFrom < 0) {
            throw new IllegalArgumentException("corruptFrom must be >= 0, got " + corruptFrom);
        }
    }

    /** 10 samples, noise 3 x the embedding standard deviation, seed 0, every prompt token corrupted. */
    public static CausalTraceSettings defaults() {
        return new CausalTraceSettings(DEFAULT_SAMPLES, DEFAULT_NOISE_MULTIPLIER, 0, 0, -1);
    }

    public CausalTraceSettings withSamples(int count) {
        return new CausalTraceSettings(count, noiseMultiplier, seed, corruptFrom, corruptTo);
    }

    public CausalTraceSettings withNoiseMultiplier(double multiplier) {
        return new CausalTraceSettings(samples, multiplier, seed, corruptFrom, corruptTo);
    }

    public CausalTraceSettings withSeed(long value) {
        return new CausalTraceSettings(samples, noiseMultiplier, value, corruptFrom, corruptTo);
    }

    public CausalTraceSettings withCorruptedRange(int from, int to) {
        return new CausalTraceSettings(samples, noiseMultiplier, seed, from, to);
    }

    /** The end of the corrupted range for a prompt of {@code promptLength} tokens, checked against it. */
    int corruptEnd(int promptLength) {
        int end = corruptTo < 0 ? promptLength : corruptTo;
        if (end > promptLength || corruptFrom >= end) {
            throw new IllegalArgumentException("Corrupted token range [" + corruptFrom + ", " + end + ") does not fit a "
                    + "prompt of " + promptLength + " tokens; give 0 <= from < to <= " + promptLength);
        }
        return end;
    }
}
