package org.pkeworkbench.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Range checks of numeric options, worded the same in every command: "--top-k must be at least 1,
 * got 0". A failed check is an invalid option (exit code 2).
 *
 * <p>Example: {@code OptionValues.atLeast(spec, "--batch-size", batchSize, 1);} at the start of
 * {@code call()}.
 */
final class OptionValues {

    private OptionValues() {}

    /** Returns the message of every minimum check, for callers without a {@link CommandSpec} too. */
    static String belowMinimum(String option, Object value, long min) {
        return option + " must be at least " + min + ", got " + value;
    }

    /** Throws picocli's invalid-option error when {@code value} is below {@code min}. */
    static void atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), belowMinimum(option, value, min));
        }
    }

    /** Checks like {@link #atLeast(CommandSpec, String, long, long)} and also rejects NaN and infinity. */
    static void atLeast(CommandSpec spec, String option, double value, long min) {
        if (!Double.isFinite(value)) {
            throw new ParameterException(spec.commandLine(), option + " must be a finite number of at least " + min
                    + ", got " + value);
        }
        if (value < min) {
            throw new ParameterException(spec.commandLine(), belowMinimum(option, value, min));
        }
    }

    /** Throws picocli's invalid-option error unless {@code value} is a finite number above 0. */
    static void positive(CommandSpec spec, String option, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw new ParameterException(spec.commandLine(), option + " must be a finite number above 0, got " + value);
        }
    }

    /** Throws picocli's invalid-option error unless {@code value} lies in [0, 1]. */
    static void probability(CommandSpec spec, String option, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new ParameterException(spec.commandLine(), option + " must be in [0, 1], got " + value);
        }
    }

    /** Throws picocli's invalid-option error unless {@code value} lies in (0, 1]. */
    static void fraction(CommandSpec spec, String option, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new ParameterException(spec.commandLine(), option + " must be in (0, 1], got " + value);
        }
    }
}
