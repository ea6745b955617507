package org.pkeworkbench.model;

import java.util.List;

/**
 * How {@link Generator} picks tokens. Greedy (temperature 0) is the default so that runs repeat
 * exactly; sampling draws from a {@link java.util.Random} seeded with {@code seed}.
 *
 * @param maxNewTokens stop after this many generated tokens
 * @param temperature 0 for greedy decoding, else the softmax temperature
 * @param topK keep the k most likely tokens when sampling; 0 keeps all
 * @param topP keep the smallest set of tokens whose probability reaches p when sampling; 1 keeps all
 * @param seed the sampling seed
 * @param stopTokens ids that end generation (not included in the output)
 */
public record SamplingSettings(int maxNewTokens, double temperature, int topK, double topP, long seed,
        List<Long> stopTokens) {

    public SamplingSettings {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        stopTokens = List.copyOf(stopTokens);
    }

    public static SamplingSettings greedy(int maxNewTokens, List<Long> stopTokens) {
        return new SamplingSettings(maxNewTokens, 0.0, 0, 1.0, 0L, stopTokens);
    }

    public boolean isGreedy() {
        return temperature == 0.0;
    }
}
