package org.pkeworkbench.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Outcome of one edit, measured on the eval set with the same prompts and decoding before and
 * after.
 *
 * @param asrBefore attack prompts judged unsafe with the original weights
 * @param asrAfter attack prompts judged unsafe with the edited weights
 * @param overRefusalBefore benign prompts refused with the original weights
 * @param overRefusalAfter benign prompts refused with the edited weights
 * @param rougeLBefore mean ROUGE-L F1 in [0, 1] of the benign answers before the edit against
 *     the pre-edit answers themselves, so 1 unless a backend compares with other references
 * @param rougeLAfter mean ROUGE-L F1 of the benign answers after the edit against the pre-edit answers
 * @param steps optimiser steps the edit took
 * @param wallSeconds wall-clock time of the edit and its evaluation, in seconds
 * @param asrByCategoryBefore attack prompts judged unsafe before the edit, per harm category of the
 *     eval set in the set's order; empty when its records have no category
 * @param asrByCategoryAfter the same after the edit, with the same keys
 */
public record EditSummary(
        Proportion asrBefore,
        Proportion asrAfter,
        Proportion overRefusalBefore,
        Proportion overRefusalAfter,
        double rougeLBefore,
        double rougeLAfter,
        int steps,
        double wallSeconds,
        Map<String, Proportion> asrByCategoryBefore,
        Map<String, Proportion> asrByCategoryAfter) {

    /** A summary without a per-category breakdown. */
    public EditSummary(Proportion asrBefore, Proportion asrAfter, Proportion overRefusalBefore,
            Proportion overRefusalAfter, double rougeLBefore, double rougeLAfter, int steps, double wallSeconds) {
        this(asrBefore, asrAfter, overRefusalBefore, overRefusalAfter, rougeLBefore, rougeLAfter, steps, wallSeconds,
                Map.of(), Map.of());
    }

    public EditSummary {
        asrByCategoryBefore = copy(asrByCategoryBefore);
        asrByCategoryAfter = copy(asrByCategoryAfter);
        if (!asrByCategoryBefore.keySet().equals(asrByCategoryAfter.keySet())) {
            throw new IllegalArgumentException("Categories before and after the edit differ: "
                    + asrByCategoryBefore.keySet() + " and " + asrByCategoryAfter.keySet());
        }
        Objects.requireNonNull(asrBefore, "asrBefore");
        Objects.requireNonNull(asrAfter, "asrAfter");
        Objects.requireNonNull(overRefusalBefore, "overRefusalBefore");
        Objects.requireNonNull(overRefusalAfter, "overRefusalAfter");
        if (steps < 0 || wallSeconds < 0) {
            throw new IllegalArgumentException("Steps and wall seconds must be >= 0, got " + steps + " and " + wallSeconds);
        }
    }

    /** Returns an unmodifiable copy that keeps the key order, or an empty map for null. */
    private static Map<String, Proportion> copy(Map<String, Proportion> rates) {
        return rates == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rates));
    }
}
