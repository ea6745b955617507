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

    /** As {@link #atLeast(CommandSpec, String, long, long)}; NaN is rejected too. */
    static void atLeast(CommandSpec spec, String option, double value, long min) {
        if (Double.isNaN(value) || value < min) {
            throw new ParameterException(spec.commandLine(), belowMinimum(option, value, min));
        }
    }
}
