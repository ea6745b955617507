package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.LanguageModel;

/** The evaluator with a batch generate function, on the demo model and on fixed tables. */
class EvaluatorBatchTest {

    private static final int MAX_NEW_TOKENS = 24;

    private static LanguageModel lm;
    private static List<String> prompts;

    @BeforeAll
    static void load() throws IOException {
        lm = LanguageModel.load(DemoModel.directory(), Device.cpu());
        List<String> evalPrompts = DatasetLoader.loadPrompts(DemoModel.evalSet());
        prompts = new ArrayList<>(evalPrompts.subList(0, 9));
        // A short prompt next to long ones makes the batch pad on the left.
        prompts.add("Hi");
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void batchedAnswersEqualOneAtATime() {
        Evaluator single = new Evaluator(prompt -> lm.generate(prompt, false, MAX_NEW_TOKENS),
                RefusalPrefixJudge.gcgDefault());
        Evaluator batched = new ModelResponder(lm, false, MAX_NEW_TOKENS, 4)
                .evaluator(RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());

        List<String> expected = single.generateAll(prompts, ProgressListener.NONE, () -> false);
        List<String> actual = batched.generateAll(prompts, ProgressListener.NONE, () -> false);

        assertEquals(10, actual.size());
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "prompt " + i + ": " + prompts.get(i));
        }
    }

    @Test
    void chatAnswersEqualOneAtATime() {
        ModelResponder responder = new ModelResponder(lm, true, MAX_NEW_TOKENS, 3);
        List<String> some = prompts.subList(0, 5);

        List<String> batched = responder.apply(some);

        for (int i = 0; i < some.size(); i++) {
            assertEquals(lm.generate(some.get(i), true, MAX_NEW_TOKENS), batched.get(i), "prompt " + i);
        }
        assertEquals(lm.generate(some.get(0), true, MAX_NEW_TOKENS), responder.respond(some.get(0)));
    }

    @Test
    void progressReportedPerChunk() {
        Evaluator evaluator = new Evaluator(echo(), 4, RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());
        List<String> updates = new ArrayList<>();

        evaluator.generateAll(prompts, (done, total) -> updates.add(done + "/" + total), () -> false);

        assertEquals(List.of("0/10", "4/10", "8/10", "10/10"), updates);
    }

    @Test
    void cancellationStopsBetweenChunks() {
        AtomicBoolean cancelled = new AtomicBoolean();
        List<Integer> chunkSizes = new ArrayList<>();
        Function<List<String>, List<String>> generate = chunk -> {
            chunkSizes.add(chunk.size());
            cancelled.set(true);
            return chunk.stream().map(prompt -> "answer").toList();
        };
        Evaluator evaluator = new Evaluator(generate, 4, RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());

        CancellationException e = assertThrows(CancellationException.class,
                () -> evaluator.generateAll(prompts, ProgressListener.NONE, cancelled::get));

        assertEquals(List.of(4), chunkSizes, "only the first chunk ran");
        assertTrue(e.getMessage().contains("after 4 of 10"), e.getMessage());
    }

    @Test
    void wrongResponseCountRejected() {
        Evaluator evaluator = new Evaluator(chunk -> List.of("only one"), 4, RefusalPrefixJudge.gcgDefault(),
                RefusalDetector.gcgDefault());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> evaluator.generateAll(prompts, ProgressListener.NONE, () -> false));

        assertTrue(e.getMessage().contains("returned 1 responses for 4 prompts"), e.getMessage());
    }

    @Test
    void nullInBatchNamesPrompt() {
        Evaluator evaluator = new Evaluator(chunk -> {
            List<String> responses = new ArrayList<>(chunk);
            responses.set(1, null);
            return responses;
        }, 4, RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> evaluator.generateAll(prompts, ProgressListener.NONE, () -> false));

        assertTrue(e.getMessage().contains("returned null for prompt 1"), e.getMessage());
    }

    @Test
    void invalidBatchSizeRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Evaluator(echo(), 0, RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault()));
        assertThrows(IllegalArgumentException.class, () -> new ModelResponder(lm, false, 8, 0));
    }

    /**
     * Win rate over a table of answers with the overlap judge. Against "the cat sat on the mat":
     * "the cat sat" scores F = 2/3 and "the mat" 1/2 (A wins); "a dog ran" 0 and "the cat" 1/2 (B
     * wins). Against "a bird sang" both sides are "a bird" (tie), so the rate is 1.5 / 3.
     */
    @Test
    void winRateJudgesEachRecord() {
        Map<String, String> answers = Map.of("q1", "the cat sat", "q2", "a dog ran", "q3", "a bird");
        Evaluator evaluator = new Evaluator(answers::get, RefusalPrefixJudge.gcgDefault());
        PairwiseJudge judge = new ReferenceOverlapPairwiseJudge(Map.of(
                "q1", "the cat sat on the mat", "q2", "the cat sat on the mat", "q3", "a bird sang"));
        List<ReferencePrompt> records = List.of(
                new ReferencePrompt("0", "q1", "the mat", "base", null),
                new ReferencePrompt("1", "q2", "the cat", "base", null),
                new ReferencePrompt("2", "q3", "a bird", "base", null));

        WinRateReport report = evaluator.winRate(records, judge, ProgressListener.NONE, () -> false);

        assertEquals("rouge-l-overlap", report.judgeName());
        assertEquals(List.of(Preference.Label.A, Preference.Label.B, Preference.Label.TIE),
                report.outcomes().stream().map(outcome -> outcome.preference().label()).toList());
        assertEquals(0.5, report.winRate().rate(), 1e-12);
        assertEquals("the cat", report.outcomes().get(1).baseline());
        assertEquals("a dog ran", report.outcomes().get(1).candidate());
    }

    @Test
    void winRateNeedsReferences() {
        Evaluator evaluator = new Evaluator(echo(), 2, RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());
        List<ReferencePrompt> records = List.of(new ReferencePrompt("r7", "q", null, null, null));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> evaluator.winRate(
                records, new ReferenceOverlapPairwiseJudge(Map.of()), ProgressListener.NONE, () -> false));

        assertTrue(e.getMessage().contains("Record r7 has no reference output"), e.getMessage());
    }

    private static Function<List<String>, List<String>> echo() {
        return List::copyOf;
    }
}
