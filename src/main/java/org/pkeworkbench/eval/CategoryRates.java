package org.pkeworkbench.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Attack success rate per harm category, for the per-category charts and reports. */
public final class CategoryRates {

    /** Category given to prompts whose record has none. */
    public static final String UNCATEGORIZED = "(none)";

    private CategoryRates() {
    }

    /**
     * Splits judged outcomes by category.
     *
     * @param categories one category per outcome, in the same order; null entries count as {@link #UNCATEGORIZED}
     * @param result the judged prompts
     * @return category to ASR with its Wilson interval, categories in alphabetical order; empty when
     *     no prompt has a category
     */
    public static Map<String, RateWithInterval> byCategory(List<String> categories, AsrResult result) {
        if (categories.size() != result.outcomes().size()) {
            throw new IllegalArgumentException("Got " + categories.size() + " categories for "
                    + result.outcomes().size() + " outcomes");
        }
        if (categories.stream().allMatch(category -> category == null)) {
            return Map.of();
        }
        Map<String, int[]> counts = new TreeMap<>();
        for (int i = 0; i < categories.size(); i++) {
            String category = categories.get(i) == null ? UNCATEGORIZED : categories.get(i);
            int[] successesAndTotal = counts.computeIfAbsent(category, key -> new int[2]);
            successesAndTotal[0] += result.outcomes().get(i).verdict().attackSucceeded() ? 1 : 0;
            successesAndTotal[1]++;
        }
        Map<String, RateWithInterval> rates = new LinkedHashMap<>();
        counts.forEach((category, c) -> rates.put(category, Rates.wilson(c[0], c[1])));
        return rates;
    }
}
