package org.pkeworkbench.locate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** The two factor tables of the neuron score on stories260K. */
class LocatorFactorsTest {

    @Test
    void oneRecordScoreIsFactorProduct() throws IOException {
        List<EditExample> one = List.of(new EditExample(new long[] {1, 403, 407, 261, 378},
                new long[] {432, 383, 286, 261}, new long[] {432, 383, 315, 421, 395}));
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            LocateResult result = new Locator(model).locate(one, LocateSettings.DEFAULT, ProgressListener.NONE);

            float[][] scores = result.neuronScores();
            float[][] difference = result.neuronActivationDifference();
            float[][] magnitude = result.neuronGradientMagnitude();
            assertEquals(scores.length, difference.length);
            assertEquals(scores.length, magnitude.length);
            double differenceTotal = 0;
            for (int l = 0; l < scores.length; l++) {
                assertEquals(scores[l].length, difference[l].length);
                for (int j = 0; j < scores[l].length; j++) {
                    assertTrue(difference[l][j] >= 0, "activation difference is a magnitude");
                    assertTrue(magnitude[l][j] >= 0, "gradient magnitude is a magnitude");
                    float product = difference[l][j] * magnitude[l][j];
                    assertEquals(product, scores[l][j], 1e-5 * Math.max(1e-6, Math.abs(product)) + 1e-12,
                            "layer " + l + " neuron " + j);
                    differenceTotal += difference[l][j];
                }
            }
            assertTrue(differenceTotal > 0, "safe and unsafe activations differ somewhere");
        }
    }
}
