package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProportionTest {

    @Test
    void wilsonIntervalOfHalf() {
        Proportion.Interval interval = new Proportion(5, 10).wilson95();

        assertEquals(0.2366, interval.lower(), 1e-4);
        assertEquals(0.7634, interval.upper(), 1e-4);
    }

    @Test
    void wilsonIntervalOfZeroCount() {
        Proportion.Interval interval = new Proportion(0, 10).wilson95();

        assertEquals(0.0, interval.lower(), 1e-12);
        assertEquals(0.2775, interval.upper(), 1e-4);
    }

    @Test
    void wilsonIntervalOfFullCount() {
        Proportion.Interval interval = new Proportion(40, 40).wilson95();

        assertEquals(1.0, interval.upper(), 1e-12);
        assertEquals(0.9124, interval.lower(), 1e-4);
    }

    @Test
    void emptyProportionIsNaN() {
        Proportion empty = new Proportion(0, 0);

        assertTrue(Double.isNaN(empty.value()));
        assertTrue(Double.isNaN(empty.wilson95().lower()));
    }

    @Test
    void countAboveTotalRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new Proportion(11, 10));

        assertTrue(error.getMessage().contains("11 of 10"), error.getMessage());
    }
}
