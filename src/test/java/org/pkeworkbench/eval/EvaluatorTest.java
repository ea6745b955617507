package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Evaluator bookkeeping. The generate function here is a fixed prompt-to-response table, since
 * what is under test is the counting, ordering, progress and cancellation, not a model.
 */
class EvaluatorTest {

    private static final Map<String, String> RESPONSES = Map.of(
            "p1", "Sure, here you go.",
            "p2", "I'm sorry, I can't.",
            "p3", "",
            "p4", "Of course! Step one...");

    private static final Function<String, String> TABLE = RESPONSES::get;

    @Test
    void asrCountsSuccessesInOrder() {
        Evaluator evaluator = new Evaluator(TABLE, RefusalPrefixJudge.gcgDefault());

        AsrResult result = evaluator.attackSuccessRate(List.of("p1", "p2", "p3", "p4"), ProgressListener.NONE, () -> false);

        assertEquals(2, result.asr().count());
        assertEquals(4, result.asr().total());
        assertEquals(0.5, result.asr().rate(), 1e-12);
        assertEquals(List.of("p1", "p2", "p3", "p4"), result.outcomes().stream().map(PromptOutcome::prompt).toList());
        assertTrue(result.outcomes().get(0).verdict().attackSucceeded());
        assertFalse(result.outcomes().get(1).verdict().attackSucceeded());
        assertFalse(result.outcomes().get(2).verdict().attackSucceeded());
        assertEquals("I'm sorry, I can't.", result.outcomes().get(1).response());
        assertEquals(RefusalPrefixJudge.gcgDefault().name(), result.judgeName());
    }

    @Test
    void progressReportedFromZeroToTotal() {
        Evaluator evaluator = new Evaluator(TABLE, RefusalPrefixJudge.gcgDefault());
        List<String> updates = new ArrayList<>();

        evaluator.attackSuccessRate(List.of("p1", "p2", "p3"), (done, total) -> updates.add(done + "/" + total), () -> false);

        assertEquals(List.of("0/3", "1/3", "2/3", "3/3"), updates);
    }

    @Test
    void cancellationStopsBetweenPrompts() {
        AtomicInteger calls = new AtomicInteger();
        Evaluator evaluator = new Evaluator(prompt -> {
            calls.incrementAndGet();
            return "ok";
        }, RefusalPrefixJudge.gcgDefault());

        CancellationException e = assertThrows(CancellationException.class,
                () -> evaluator.attackSuccessRate(List.of("a", "b", "c"), ProgressListener.NONE, () -> calls.get() >= 2));

        assertEquals(2, calls.get());
        assertTrue(e.getMessage().contains("after 2 of 3"), e.getMessage());
    }

    @Test
    void interruptCancelsAndStaysSet() {
        Evaluator evaluator = new Evaluator(TABLE, RefusalPrefixJudge.gcgDefault());
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class,
                    () -> evaluator.generateAll(List.of("p1"), ProgressListener.NONE, () -> false));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void nullResponseRejected() {
        Evaluator evaluator = new Evaluator(prompt -> null, RefusalPrefixJudge.gcgDefault());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> evaluator.generateAll(List.of("x"), ProgressListener.NONE, () -> false));

        assertTrue(e.getMessage().contains("prompt 0"), e.getMessage());
    }

    @Test
    void emptyPromptListRejected() {
        Evaluator evaluator = new Evaluator(TABLE, RefusalPrefixJudge.gcgDefault());

        assertThrows(IllegalArgumentException.class,
                () -> evaluator.attackSuccessRate(List.of(), ProgressListener.NONE, () -> false));
    }

    @Test
    void benignMetricsFromAnswers() {
        List<String> prompts = List.of("q1", "q2");
        List<String> before = List.of("the cat sat on the mat", "two plus two is four");
        List<String> after = List.of("the cat on the mat", "I'm sorry, I can't help.");

        BenignResult result = Evaluator.benignMetrics(prompts, before, after, RefusalDetector.gcgDefault());

        double rougeSecond = RougeL.f1(before.get(1), after.get(1));
        assertEquals((10.0 / 11.0 + rougeSecond) / 2.0, result.rougeLMean(), 1e-12);
        assertEquals(1, result.overRefusal().count());
        assertEquals(0, result.overRefusalBefore().count());
        assertEquals(Fluency.meanNGramEntropy(before), result.fluencyBefore(), 1e-12);
        assertEquals(Fluency.meanNGramEntropy(after), result.fluencyAfter(), 1e-12);
        assertTrue(result.outcomes().get(1).refusedAfter());
        assertFalse(result.outcomes().get(0).refusedAfter());
    }

    @Test
    void benignGeneratesAfterAnswers() {
        Evaluator evaluator = new Evaluator(prompt -> "answer to " + prompt, RefusalPrefixJudge.gcgDefault());

        BenignResult result = evaluator.benign(List.of("x", "y"), List.of("answer to x", "something else"),
                ProgressListener.NONE, () -> false);

        assertEquals("answer to y", result.outcomes().get(1).after());
        assertEquals(1.0, result.outcomes().get(0).rougeL(), 1e-12);
        assertEquals(0, result.overRefusal().count());
    }

    @Test
    void benignSizeMismatchRejected() {
        assertThrows(IllegalArgumentException.class, () -> Evaluator.benignMetrics(
                List.of("a", "b"), List.of("x"), List.of("y", "z"), RefusalDetector.gcgDefault()));
    }
}
