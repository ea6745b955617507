package org.pkeworkbench.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.RopeScaling;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Rotary frequencies with each scaling type, against values computed by hand from the formulas,
 * and the cos/sin tables against the angles computed for each position.
 */
class RotaryEmbeddingTest {

    /**
     * Positions past the first angle table (256 positions) and past the fixture's context length
     * make the table grow twice. Every value must still be the float of the double-precision angle.
     */
    @Test
    void tablesAcrossTableGrowth() throws IOException {
        ModelConfig config = ModelConfig.load(SharedFiles.fixture("tiny-llama3"));
        RotaryEmbedding rotary = new RotaryEmbedding(config);
        double[] frequencies = RotaryEmbedding.inverseFrequencies(config.headDim(), config.ropeTheta(),
                config.ropeScaling());
        long beyondContext = config.maxPositions() + 700L;
        long[][] calls = {{0, 1, 255}, {3, 256, 300}, {beyondContext, 7, 0}, {4, 5, 6}};

        try (NDManager manager = NDManager.newBaseManager()) {
            for (long[] positions : calls) {
                NDArray[] tables = rotary.tables(manager, positions, 1, positions.length);

                int headDim = config.headDim();
                assertEquals(new Shape(1, 1, positions.length, headDim), tables[0].getShape());
                float[] cos = new float[positions.length * headDim];
                float[] sin = new float[positions.length * headDim];
                for (int p = 0; p < positions.length; p++) {
                    for (int i = 0; i < headDim; i++) {
                        double angle = positions[p] * frequencies[i % (headDim / 2)];
                        cos[p * headDim + i] = (float) Math.cos(angle);
                        sin[p * headDim + i] = (float) Math.sin(angle);
                    }
                }
                assertArrayEquals(cos, tables[0].toFloatArray());
                assertArrayEquals(sin, tables[1].toFloatArray());
            }
        }
    }

    @Test
    void unscaledFrequenciesFollowTheta() {
        double[] frequencies = RotaryEmbedding.inverseFrequencies(8, 10000.0, RopeScaling.NONE);
        assertEquals(4, frequencies.length);
        assertEquals(1.0, frequencies[0], 1e-15);
        assertEquals(0.1, frequencies[1], 1e-15);
        assertEquals(0.01, frequencies[2], 1e-15);
        assertEquals(0.001, frequencies[3], 1e-15);
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        RopeScaling linear = new RopeScaling("linear", 4.0, 1.0, 1.0, 0);
        double[] frequencies = RotaryEmbedding.inverseFrequencies(8, 10000.0, linear);
        assertEquals(0.25, frequencies[0], 1e-15);
        assertEquals(0.025, frequencies[1], 1e-15);
        assertEquals(0.0025, frequencies[2], 1e-15);
        assertEquals(0.00025, frequencies[3], 1e-15);
    }

    /**
     * Llama 3 scaling with factor 8, low 1, high 4 and 32 original positions: wavelengths below 8
     * keep their frequency, those above 32 are divided by 8, and those between are interpolated.
     */
    @Test
    void llama3ScalingSplitsByWavelength() {
        RopeScaling llama3 = new RopeScaling("llama3", 8.0, 1.0, 4.0, 32);
        double[] frequencies = RotaryEmbedding.inverseFrequencies(8, 10000.0, llama3);

        // Wavelength 2*pi (about 6.3) is below 32 / 4 = 8: unchanged.
        assertEquals(1.0, frequencies[0], 1e-15);
        // Wavelength 2*pi / 0.1 (about 62.8) is above 32: divided by 8.
        assertEquals(0.1 / 8, frequencies[1], 1e-15);
        assertEquals(0.01 / 8, frequencies[2], 1e-15);
        assertEquals(0.001 / 8, frequencies[3], 1e-15);
    }

    @Test
    void llama3InterpolatesMiddleWavelengths() {
        // theta chosen so that frequency 1 is 0.25: wavelength 8*pi (about 25.1) lies between 8 and 32.
        RopeScaling llama3 = new RopeScaling("llama3", 8.0, 1.0, 4.0, 32);
        double[] frequencies = RotaryEmbedding.inverseFrequencies(4, 16.0, llama3);
        double wavelength = 2 * Math.PI / 0.25;
        double smooth = (32 / wavelength - 1.0) / (4.0 - 1.0);
        assertEquals((1 - smooth) * 0.25 / 8 + smooth * 0.25, frequencies[1], 1e-15);
    }
}
