package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RemainingTimeTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void extrapolatesLinearly() {
        RemainingTime remaining = new RemainingTime(0);
        assertEquals(30.0, remaining.update(0.25, 10 * SECOND), 1e-9);
        assertEquals(10.0, remaining.update(0.5, 10 * SECOND), 1e-9);
    }

    @Test
    void noEstimateTooEarlyUnknownOrDone() {
        RemainingTime remaining = new RemainingTime(0);
        assertTrue(remaining.update(0.5, SECOND) < 0, "under 2 s elapsed");
        assertTrue(remaining.update(0.01, 5 * SECOND) < 0, "under 2 % done");
        assertTrue(remaining.update(-1, 5 * SECOND) < 0, "unknown progress");
        assertTrue(remaining.update(1, 5 * SECOND) < 0, "finished");
    }

    @Test
    void restartsWhenTheFractionGoesBack() {
        RemainingTime remaining = new RemainingTime(0);
        remaining.update(0.9, 9 * SECOND);
        assertTrue(remaining.update(0.1, 10 * SECOND) < 0, "a new phase starts from its own first report");
        // 8 s for 0.1 of the work since the restart, 0.8 to go.
        assertEquals(64.0, remaining.update(0.2, 18 * SECOND), 1e-9);
    }

    @Test
    void describesInRoundedUnits() {
        assertEquals("", RemainingTime.describe(-1));
        assertEquals("about 5 s left", RemainingTime.describe(1.2));
        assertEquals("about 40 s left", RemainingTime.describe(38));
        assertEquals("about 3 min left", RemainingTime.describe(170));
        assertEquals("about 1.5 h left", RemainingTime.describe(5400));
    }
}
