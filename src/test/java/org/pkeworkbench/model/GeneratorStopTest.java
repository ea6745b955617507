package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.testing.SharedFiles;

/** Stop tokens end generation and are left out of the output. */
class GeneratorStopTest {

    @Test
    void stopTokenEndsGeneration() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            Generator generator = new Generator(model);
            long[] free = generator.generate(new long[] {1}, SamplingSettings.greedy(6, List.of()));
            assertEquals(6, free.length);

            long[] stopped = generator.generate(new long[] {1}, SamplingSettings.greedy(6, List.of(free[3])));
            assertArrayEquals(java.util.Arrays.copyOf(free, 3), stopped);
        }
    }

    @Test
    void configEndOfSequenceIsAStopToken() throws IOException {
        try (LanguageModel lm = LanguageModel.load(SharedFiles.stories260K(), Device.cpu())) {
            assertEquals(List.of(2L), lm.stopTokens());
        }
    }
}
