package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link ProgressLog} groups updates into phases by the text before their first number. */
class ProgressLogTest {

    @Test
    void phaseIsTextBeforeFirstDigit() {
        assertEquals("Step ", ProgressLog.phaseOf("Step 3 of 40: loss 2.1"));
        assertEquals(ProgressLog.phaseOf("Preparing edit record 1 of 60"),
                ProgressLog.phaseOf("Preparing edit record 59 of 60"));
        assertEquals("Locating hot spots", ProgressLog.phaseOf("Locating hot spots"));
    }
}
