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

    private static final Path ASSETS = Path.of(System.getProperty("pke.assets.dir", "resources"));

    /** A PKE run on the demo model and its prompt sets, in the chat template. */
    private static EditRequest demoRequest(int steps, int maxNewTokens, int localityCount, int maxEditRecords,
            int maxEvalPrompts) {
        return new EditRequest(ASSETS.resolve("datasets/demo-edit.jsonl"), ASSETS.resolve("datasets/demo-eval.jsonl"),
                null, "pke", EditSettings.pkeDefaults().withSteps(steps), LocateSettings.DEFAULT, null, true,
                maxNewTokens, localityCount, maxEditRecords, maxEvalPrompts);
    }

    @Test
    void localityAnswersReportProgressAndStopAtCancel() throws IOException {
        EditRequest request = demoRequest(1, 8, 3, 2, 2);
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

        try (LanguageModel lm = LanguageModel.load(ASSETS.resolve("models/demo"), Device.cpu())) {
            assertThrows(CancellationException.class, () -> new EditPipeline(lm).run(request,
                    cancelAtSecondLocalityPrompt));
        }

        assertTrue(messages.contains("Answering locality prompt 1 of 3"), messages.toString());
        assertEquals("Answering locality prompt 2 of 3", messages.get(messages.size() - 1),
                "nothing runs after the cancel: " + messages);
    }

    /** The progress of a whole run only grows, from 0 to 1, so the time-left estimate never restarts. */
    @Test
    void progressOfWholeRunOnlyGrows() throws IOException {
        EditRequest request = demoRequest(3, 6, 2, 2, 3);
        List<Double> fractions = new ArrayList<>();
        List<String> messages = new ArrayList<>();

        try (LanguageModel lm = LanguageModel.load(ASSETS.resolve("models/demo"), Device.cpu())) {
            EditPipeline.Result result = new EditPipeline(lm).run(request, (fraction, message) -> {
                fractions.add(fraction);
                messages.add(message);
            });
            result.applied().revert();
            result.delta().close();
        }

        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) >= fractions.get(i - 1) - 1e-12, "progress went back at '" + messages.get(i)
                    + "': " + fractions.get(i - 1) + " -> " + fractions.get(i));
        }
        assertEquals(0.0, fractions.get(0), 1e-12);
        assertEquals(1.0, fractions.get(fractions.size() - 1), 1e-12);
    }

    /** Shares follow the work: on the demo's default sizes the edit steps take most of the range. */
    @Test
    void planSharesFollowWork() {
        // 60 records, 16 locality prompts, 280 answers per measurement, 40 steps over 60 records.
        RunProgressPlan plan = RunProgressPlan.of(60, 16, 280, true, 2400);
        double total = 60 + 16 + 280 + 2460 + 280;
        assertEquals(60 / total, plan.prepareEnd(), 1e-12);
        assertEquals(76 / total, plan.localityEnd(), 1e-12);
        assertEquals(356 / total, plan.beforeEnd(), 1e-12);
        assertEquals((356 + 2460) / total, plan.editEnd(), 1e-12);

        RunProgressPlan reused = RunProgressPlan.of(60, 16, 280, false, 2400);
        assertEquals(reused.localityEnd(), reused.beforeEnd(), 1e-12, "a reused measurement takes no share");
        RunProgressPlan vanilla = RunProgressPlan.of(0, 0, 280, true, 0);
        assertEquals(1.0, vanilla.beforeEnd(), 1e-12, "without an edit the measurement is the whole run");
    }
}
