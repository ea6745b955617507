package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Checks the logit lens against the model's own output on real checkpoints. */
class LogitLensTest {

    private static final double TOLERANCE = 1e-5;

    /** Softmax of the model's logits, {@code [seq * vocab]}. */
    private static float[] modelProbabilities(DecoderModel model, long[] ids) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.forward(scope, scope.create(ids).reshape(1, ids.length), ForwardOptions.create()).logits()
                    .toType(DataType.FLOAT32, false).softmax(-1).toFloatArray();
        }
    }

    private static void checkLastLayerMatchesModel(DecoderModel model, long[] prompt, long[] target, int topK) {
        LogitLensResult lens = LogitLens.run(model, null, prompt, target, topK, ProgressListener.NONE);
        int numLayers = model.config().numLayers();
        int vocab = model.config().vocabSize();
        long[] sequence = lens.tokenIds();
        float[] expected = modelProbabilities(model, sequence);

        assertEquals(numLayers + 1, lens.top().length);
        assertEquals(-1, lens.layers()[0]);
        assertEquals(numLayers - 1, lens.layers()[numLayers]);
        TopToken[][] last = lens.top()[numLayers];
        assertEquals(sequence.length, last.length);
        for (int position = 0; position < sequence.length; position++) {
            assertEquals(Math.min(topK, vocab), last[position].length);
            for (TopToken token : last[position]) {
                assertEquals(expected[position * vocab + (int) token.id()], token.probability(), TOLERANCE,
                        "position " + position + " token " + token.id());
            }
            float max = 0;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, expected[position * vocab + i]);
            }
            assertEquals(max, last[position][0].probability(), TOLERANCE, "top-1 at position " + position);
        }
        for (int j = 0; j < target.length; j++) {
            int position = prompt.length - 1 + j;
            assertEquals(expected[position * vocab + (int) target[j]], lens.targetProbabilities()[numLayers][j], TOLERANCE,
                    "target " + j);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama3-bf16-sharded", "tiny-gpt2", "tiny-qwen2", "tiny-mistral"})
    void lastLayerEqualsModelOnFixtures(String fixture) throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu())) {
            checkLastLayerMatchesModel(model, new long[] {1, 5, 9, 3}, new long[] {7, 2}, 4);
        }
    }

    @Test
    void lastLayerEqualsModelOnStories() throws IOException {
        Path dir = SharedFiles.stories260K();
        try (LanguageModel lm = LanguageModel.load(dir, Device.cpu())) {
            long[] prompt = lm.promptIds("Once upon a time, there was a", false);
            long[] target = lm.responseIds(" little girl");
            checkLastLayerMatchesModel(lm.decoder(), prompt, target, 5);

            LogitLensResult lens = LogitLens.run(lm.decoder(), lm.tokenizer(), prompt, target, 5, ProgressListener.NONE);
            assertEquals(prompt.length + target.length, lens.tokenTexts().length);
            assertTrue(lens.top()[1][0][0].text() != null, "top tokens are decoded");
        }
    }

    @Test
    void probabilitiesSumToOneWithFullTopK() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            int vocab = model.config().vocabSize();
            LogitLensResult lens = LogitLens.run(model, null, new long[] {1, 403, 407}, new long[0], vocab,
                    ProgressListener.NONE);
            for (int layer = 0; layer < lens.top().length; layer++) {
                for (int position = 0; position < 3; position++) {
                    double sum = 0;
                    TopToken[] tokens = lens.top()[layer][position];
                    for (int i = 0; i < tokens.length; i++) {
                        sum += tokens[i].probability();
                        if (i > 0) {
                            assertTrue(tokens[i].probability() <= tokens[i - 1].probability(), "sorted descending");
                        }
                    }
                    assertEquals(1.0, sum, TOLERANCE, "layer " + layer + " position " + position);
                }
            }
        }
    }

    @Test
    void outOfRangeTokenIsRejected() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> LogitLens.run(model, null, new long[] {1, 99999}, new long[0], 3, ProgressListener.NONE));
            assertTrue(error.getMessage().contains("99999"), error.getMessage());
        }
    }
}
