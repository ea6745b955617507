package org.pkeworkbench.eval;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prefers the response whose ROUGE-L F-measure against a reference answer is higher; scores within
 * {@code epsilon} of each other are a tie. The probability is 1, 0 or 0.5.
 *
 * <p>A weak proxy for a model judge: word overlap with one reference rewards copying its wording
 * and length, not being correct or helpful. Use it where no judge model is available, and prefer
 * {@link ModelPairwiseJudge} otherwise.
 */
public final class ReferenceOverlapPairwiseJudge implements PairwiseJudge {

    /** The default tie band: ROUGE-L scores closer than this count as equal. */
    public static final double DEFAULT_EPSILON = 1e-9;

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceOverlapPairwiseJudge.class);

    private final Map<String, String> referencesByInstruction;
    private final double epsilon;

    /**
     * Creates a judge.
     *
     * @param referencesByInstruction the reference answer for each instruction text
     * @param epsilon ROUGE-L scores that differ by at most this are a tie, at least 0
     */
    public ReferenceOverlapPairwiseJudge(Map<String, String> referencesByInstruction, double epsilon) {
        if (!(epsilon >= 0.0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
        this.referencesByInstruction = Map.copyOf(referencesByInstruction);
        this.epsilon = epsilon;
        int untokenized = RougeL.countWithoutTokens(this.referencesByInstruction.values());
        if (untokenized > 0) {
            LOG.warn("ROUGE-L overlap judge: {} of {} reference answers have text but no ASCII letter or digit, so "
                    + "every comparison against them is a tie; ROUGE-L here splits words as rouge-score's default "
                    + "tokenizer does, which drops other scripts", untokenized, this.referencesByInstruction.size());
        }
    }

    public ReferenceOverlapPairwiseJudge(Map<String, String> referencesByInstruction) {
        this(referencesByInstruction, DEFAULT_EPSILON);
    }

    @Override
    public String name() {
        return "rouge-l-overlap";
    }

    /**
     * Compares the ROUGE-L of both responses against the instruction's reference.
     *
     * @throws IllegalArgumentException when no reference is known for {@code instruction}
     */
    @Override
    public Preference compare(String instruction, String responseA, String responseB) {
        String reference = referencesByInstruction.get(instruction);
        if (reference == null) {
            throw new IllegalArgumentException("No reference answer for the instruction \""
                    + TextExcerpt.of(instruction) + "\"; the reference file must contain every compared instruction");
        }

        double scoreA = RougeL.f1(reference, responseA);
        double scoreB = RougeL.f1(reference, responseB);
        if (Math.abs(scoreA - scoreB) <= epsilon) {
            return new Preference(0.5, Preference.Label.TIE);
        }
        return scoreA > scoreB
                ? new Preference(1.0, Preference.Label.A)
                : new Preference(0.0, Preference.Label.B);
    }
}
