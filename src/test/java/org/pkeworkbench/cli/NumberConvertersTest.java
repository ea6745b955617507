package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Whole-number and decimal options name what is wrong with a value, with exit code 2. */
class NumberConvertersTest {

    private static final String MODEL = CliRun.assets().resolve("models/demo").toString();

    private static void assertUsageError(String expected, String... args) {
        CliRun run = CliRun.of(args);

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(expected), run::toString);
    }

    @Test
    void tooLargeWholeNumberNamesLimit() {
        assertUsageError("Invalid value for option '--max-new-tokens': '99999999999' is too large; the largest whole "
                + "number here is 2147483647", "generate", "--model", MODEL, "--max-new-tokens", "99999999999");
    }

    @Test
    void decimalIsNotWholeNumber() {
        assertUsageError("'1e3' is not a whole number", "generate", "--model", MODEL, "--max-new-tokens", "1e3");
    }

    @Test
    void textIsNotNumber() {
        assertUsageError("Invalid value for option '--temperature': 'abc' is not a number", "generate", "--model", MODEL,
                "--temperature", "abc");
    }

    @Test
    void overflowIsNotFinite() {
        assertUsageError("Invalid value for option '--temperature': '1e400' is not a finite number", "generate",
                "--model", MODEL, "--temperature", "1e400");
        assertUsageError("'NaN' is not a finite number", "generate", "--model", MODEL, "--temperature", "NaN");
    }
}
