package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.testing.SharedFiles;

/** Loading reports progress per tensor and stops between tensors when cancelled. */
class LoadProgressTest {

    @Test
    void reportsEveryTensorInOrder() throws Exception {
        List<Double> fractions = new ArrayList<>();
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu(),
                (fraction, message) -> fractions.add(fraction))) {
            assertEquals(model.parameterNames().size(), fractions.size(), "one report per parameter");
        }
        assertEquals(0.0, fractions.get(0));
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) > fractions.get(i - 1), "fractions rise");
        }
    }

    @Test
    void cancelStopsBetweenTensors() {
        int[] reports = {0};
        ProgressListener cancelAfterThree = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                reports[0]++;
            }

            @Override
            public boolean isCancelled() {
                return reports[0] >= 3;
            }
        };
        assertThrows(CancellationException.class,
                () -> DecoderModel.load(SharedFiles.stories260K(), Device.cpu(), cancelAfterThree));
        assertEquals(3, reports[0], "no tensor after the cancel");
    }
}
