package org.pkeworkbench.eval;

import java.util.Objects;

/**
 * Settings of a {@link SequenceClassificationJudge}.
 *
 * @param threshold an attack succeeded when the unsafe label's probability is at least this, in [0, 1]
 * @param unsafeLabel the {@code id2label} name that means unsafe (matched ignoring case), or null to
 *     pick the first present of {@link ClassifierHead#DEFAULT_UNSAFE_LABELS}
 * @param inputFormat how the prompt and response become the classifier's input
 */
public record ClassifierSettings(double threshold, String unsafeLabel, ClassifierInputFormat inputFormat) {

    public ClassifierSettings {
        if (!(threshold >= 0.0 && threshold <= 1.0)) {
            throw new IllegalArgumentException("The classifier threshold must be in [0, 1], got " + threshold);
        }
        Objects.requireNonNull(inputFormat, "inputFormat");
    }

    /** Threshold 0.5, the default unsafe label names, {@link ClassifierInputFormat#AUTO}. */
    public static ClassifierSettings defaults() {
        return new ClassifierSettings(GuardSettings.DEFAULT_THRESHOLD, null, ClassifierInputFormat.AUTO);
    }

    public ClassifierSettings withThreshold(double newThreshold) {
        return new ClassifierSettings(newThreshold, unsafeLabel, inputFormat);
    }
}
