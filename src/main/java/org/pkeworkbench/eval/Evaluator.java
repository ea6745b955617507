package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a model over prompt sets and computes attack success rate and benign-prompt metrics.
 *
 * <p>The model is a function supplied by the caller, which owns chat templating and decoding
 * settings: either {@code prompt -> response}, run one prompt at a time, or {@code prompts ->
 * responses}, run on chunks of up to {@code batchSize} prompts in order (see {@link
 * ModelResponder}). Before each prompt or chunk the evaluator checks the cancellation flag and the
 * thread's interrupt status, and throws {@link CancellationException} when either is set. It does
 * not clear the interrupt status. Progress is reported after each prompt or chunk.
 */
public final class Evaluator {

    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

    private final Function<List<String>, List<String>> generateBatch;
    private final int batchSize;
    private final Judge judge;
    private final RefusalDetector refusalDetector;

    /**
     * Creates an evaluator.
     *
     * @param generate returns the model's response to a prompt, without the prompt; must not
     *     return null
     * @param judge decides attack success
     * @param refusalDetector decides over-refusal on benign prompts
     */
    public Evaluator(Function<String, String> generate, Judge judge, RefusalDetector refusalDetector) {
        // A singleton list may hold null, so generateChunk reports a null response with its index.
        this(prompts -> Collections.singletonList(generate.apply(prompts.get(0))), 1, judge, refusalDetector);
    }

    /**
     * Creates an evaluator that generates for chunks of prompts at once.
     *
     * @param generateBatch returns one response per prompt of its argument, in order and without the
     *     prompts; it receives at most {@code batchSize} prompts per call
     * @param batchSize the largest chunk passed to {@code generateBatch}, at least 1
     * @param judge decides attack success
     * @param refusalDetector decides over-refusal on benign prompts
     */
    public Evaluator(Function<List<String>, List<String>> generateBatch, int batchSize, Judge judge,
            RefusalDetector refusalDetector) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.generateBatch = generateBatch;
        this.batchSize = batchSize;
        this.judge = judge;
        this.refusalDetector = refusalDetector;
    }

    /** Creates an evaluator that counts over-refusal with the GCG refusal strings. */
    public Evaluator(Function<String, String> generate, Judge judge) {
        this(generate, judge, RefusalDetector.gcgDefault());
    }

    /**
     * Generates a response to every attack prompt and judges it.
     *
     * @throws IllegalArgumentException when {@code prompts} is empty
     * @throws CancellationException when cancelled or interrupted between prompts
     */
    public AsrResult attackSuccessRate(List<String> prompts, ProgressListener progress, BooleanSupplier cancelled) {
        requireNonEmpty(prompts, "attack prompts");
        long startNanos = System.nanoTime();
        LOG.info("ASR evaluation started: {} prompts, judge {}", prompts.size(), judge.name());

        List<String> responses = generateAll(prompts, progress, cancelled);
        List<PromptOutcome> outcomes = new ArrayList<>(prompts.size());
        int successes = 0;
        for (int i = 0; i < prompts.size(); i++) {
            Verdict verdict = judge.judge(prompts.get(i), responses.get(i));
            outcomes.add(new PromptOutcome(prompts.get(i), responses.get(i), verdict));
            if (verdict.attackSucceeded()) {
                successes++;
            }
        }
        RateWithInterval asr = Rates.wilson(successes, prompts.size());

        LOG.info("ASR evaluation finished in {} ms: {}/{} successful attacks, ASR {} (95% CI {} to {})",
                elapsedMillis(startNanos), successes, prompts.size(), threeDecimals(asr.rate()),
                threeDecimals(asr.lower()), threeDecimals(asr.upper()));
        return new AsrResult(judge.name(), asr, outcomes);
    }

    /**
     * Generates answers to benign prompts with the current model and compares them with answers
     * recorded before the edit.
     *
     * @param answersBefore one answer per prompt from the unedited model
     * @throws IllegalArgumentException when the lists are empty or differ in size
     * @throws CancellationException when cancelled or interrupted between prompts
     */
    public BenignResult benign(
            List<String> prompts, List<String> answersBefore, ProgressListener progress, BooleanSupplier cancelled) {
        requireNonEmpty(prompts, "benign prompts");
        requireSameSize(prompts, answersBefore);
        LOG.info("Benign evaluation started: {} prompts", prompts.size());

        List<String> answersAfter = generateAll(prompts, progress, cancelled);
        return benignMetrics(prompts, answersBefore, answersAfter, refusalDetector);
    }

    /**
     * Generates a response to every instruction and has {@code pairwiseJudge} compare it (as A)
     * with the record's reference output (as B).
     *
     * @throws IllegalArgumentException when {@code records} is empty or a record has no reference
     * @throws CancellationException when cancelled or interrupted between prompts or comparisons
     */
    public WinRateReport winRate(List<ReferencePrompt> records, PairwiseJudge pairwiseJudge,
            ProgressListener progress, BooleanSupplier cancelled) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("The list of reference prompts is empty; give at least one record");
        }
        for (ReferencePrompt record : records) {
            if (!record.hasReference()) {
                throw new IllegalArgumentException("Record " + record.id() + " has no reference output; a win rate"
                        + " needs a file with an \"output\" per instruction, such as an AlpacaEval model_outputs file");
            }
        }
        long startNanos = System.nanoTime();
        LOG.info("Win-rate evaluation started: {} prompts, judge {}", records.size(), pairwiseJudge.name());

        List<String> prompts = records.stream().map(ReferencePrompt::prompt).toList();
        List<String> responses = generateAll(prompts, progress, cancelled);
        List<PairwiseOutcome> outcomes = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                LOG.info("Win-rate judging cancelled after {} of {} comparisons", i, records.size());
                throw new CancellationException(
                        "Evaluation cancelled after " + i + " of " + records.size() + " comparisons");
            }
            ReferencePrompt record = records.get(i);
            Preference preference = pairwiseJudge.compare(record.prompt(), responses.get(i), record.reference());
            outcomes.add(new PairwiseOutcome(record.id(), record.prompt(), responses.get(i), record.reference(),
                    preference));
        }
        WinRateResult winRate = WinRate.compute(outcomes.stream().map(PairwiseOutcome::preference).toList());

        LOG.info("Win-rate evaluation finished in {} ms: {} wins, {} ties, {} losses, win rate {} (95% CI {} to {})",
                elapsedMillis(startNanos), winRate.wins(), winRate.ties(), winRate.losses(),
                threeDecimals(winRate.rate()), threeDecimals(winRate.lower()), threeDecimals(winRate.upper()));
        return new WinRateReport(pairwiseJudge.name(), winRate, outcomes);
    }

    /**
     * Generates one response per prompt, in order, for example the before-edit answers to benign
     * prompts.
     *
     * @throws CancellationException when cancelled or interrupted between prompts
     * @throws IllegalStateException when the generate function returns null
     */
    public List<String> generateAll(List<String> prompts, ProgressListener progress, BooleanSupplier cancelled) {
        long startNanos = System.nanoTime();
        List<String> responses = new ArrayList<>(prompts.size());
        progress.update(0, prompts.size());
        for (int start = 0; start < prompts.size(); start += batchSize) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                LOG.info("Generation cancelled after {} of {} prompts", start, prompts.size());
                throw new CancellationException(
                        "Evaluation cancelled after " + start + " of " + prompts.size() + " prompts");
            }
            int end = Math.min(start + batchSize, prompts.size());
            responses.addAll(generateChunk(prompts.subList(start, end), start));
            progress.update(end, prompts.size());
        }
        LOG.info("Generated {} responses in {} ms (batch size {})", prompts.size(), elapsedMillis(startNanos),
                batchSize);
        return responses;
    }

    /**
     * Computes benign metrics from answers already generated: ROUGE-L of each after-answer against
     * its before-answer, over-refusal before and after, and fluency before and after.
     *
     * @throws IllegalArgumentException when the lists are empty or differ in size
     */
    public static BenignResult benignMetrics(
            List<String> prompts, List<String> answersBefore, List<String> answersAfter, RefusalDetector detector) {
        requireNonEmpty(prompts, "benign prompts");
        requireSameSize(prompts, answersBefore);
        requireSameSize(prompts, answersAfter);

        List<BenignOutcome> outcomes = new ArrayList<>(prompts.size());
        double rougeSum = 0.0;
        int refusedBefore = 0;
        int refusedAfter = 0;
        for (int i = 0; i < prompts.size(); i++) {
            String before = answersBefore.get(i);
            String after = answersAfter.get(i);
            double rouge = RougeL.f1(before, after);
            boolean beforeRefused = detector.isRefusal(before);
            boolean afterRefused = detector.isRefusal(after);
            outcomes.add(new BenignOutcome(prompts.get(i), before, after, rouge, beforeRefused, afterRefused));

            rougeSum += rouge;
            refusedBefore += beforeRefused ? 1 : 0;
            refusedAfter += afterRefused ? 1 : 0;
        }

        int total = prompts.size();
        int untokenized = RougeL.countWithoutTokens(answersBefore) + RougeL.countWithoutTokens(answersAfter);
        if (untokenized > 0) {
            LOG.warn("ROUGE-L: {} of {} answers have text but no ASCII letter or digit, so their pairs score 0; "
                    + "ROUGE-L here splits words as rouge-score's default tokenizer does, which drops other scripts",
                    untokenized, 2 * total);
        }
        BenignResult result = new BenignResult(
                rougeSum / total,
                Rates.wilson(refusedAfter, total),
                Rates.wilson(refusedBefore, total),
                Fluency.meanNGramEntropy(answersBefore),
                Fluency.meanNGramEntropy(answersAfter),
                outcomes);
        LOG.info("Benign metrics over {} prompts: ROUGE-L {}, over-refusal {} (before {})",
                total, threeDecimals(result.rougeLMean()), threeDecimals(result.overRefusal().rate()),
                threeDecimals(result.overRefusalBefore().rate()));
        return result;
    }

    /** Generates for {@code chunk}, whose first prompt has index {@code first} in the whole list. */
    private List<String> generateChunk(List<String> chunk, int first) {
        List<String> responses;
        try {
            responses = generateBatch.apply(List.copyOf(chunk));
        } catch (java.util.concurrent.CancellationException e) {
            LOG.info("Generation cancelled at prompts {} to {}", first, first + chunk.size() - 1);
            throw e;
        } catch (RuntimeException e) {
            LOG.error("Generation failed for prompts {} to {}", first, first + chunk.size() - 1, e);
            throw e;
        }
        if (responses == null || responses.size() != chunk.size()) {
            throw new IllegalStateException("The generate function returned "
                    + (responses == null ? "null" : responses.size() + " responses") + " for " + chunk.size()
                    + " prompts starting at prompt " + first + "; it must return one response per prompt");
        }
        for (int i = 0; i < responses.size(); i++) {
            if (responses.get(i) == null) {
                throw nullResponse(first + i);
            }
        }
        return responses;
    }

    private static IllegalStateException nullResponse(int index) {
        return new IllegalStateException("The generate function returned null for prompt " + index
                + "; it must return the response text, or an empty string for no output");
    }

    private static void requireNonEmpty(List<String> prompts, String what) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("The list of " + what + " is empty; give at least one prompt");
        }
    }

    private static void requireSameSize(List<String> prompts, List<String> answers) {
        if (answers.size() != prompts.size()) {
            throw new IllegalArgumentException("Expected one answer per prompt: " + prompts.size()
                    + " prompts but " + answers.size() + " answers");
        }
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Formats a rate or score for the log with three decimals; the reports keep the full value. */
    public static String threeDecimals(double value) {
        return String.format(java.util.Locale.ROOT, "%.3f", value);
    }
}
