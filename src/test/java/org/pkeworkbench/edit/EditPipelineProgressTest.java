package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;

/**
 * The locality answers generated before an edit report progress and stop at a cancel: on a busy
 * machine they took minutes without a line of progress, and a cancel waited for all of them.
 */
class EditPipelineProgressTest {

    @Test
    void localityAnswersReportProgressAndStopAtCancel() throws IOException {
        Path assets = Path.of(System.getProperty("pke.assets.dir", "resources"));
        EditRequest request = new EditRequest(assets.resolve("datasets/demo-edit.jsonl"),
                assets.resolve("datasets/demo-eval.jsonl"), null, "pke", EditSettings.pkeDefaults().withSteps(1),
                LocateSettings.DEFAULT, null, true, 8, 3, 2, 2);
        List<String> messages = new ArrayList<>();
        ProgressListener cancelAtSecondLocalityPrompt = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                messages.add(message);
            }

            @Override
            public boolean isCancelled() {
                return messages.contains("Answering locality prompt 2 of 3");
            }
        };

        try (LanguageModel lm = LanguageModel.load(assets.resolve("models/demo"), Device.cpu())) {
            assertThrows(CancellationException.class, () -> new EditPipeline(lm).run(request,
                    cancelAtSecondLocalityPrompt));
        }

        assertTrue(messages.contains("Answering locality prompt 1 of 3"), messages.toString());
        assertEquals("Answering locality prompt 2 of 3", messages.get(messages.size() - 1),
                "nothing runs after the cancel: " + messages);
    }
}
