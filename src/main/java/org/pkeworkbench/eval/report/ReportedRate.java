package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;

/**
 * A rate as a report stores it: {@code {rate, count, total, lower, upper}}, with the 95% Wilson
 * interval in {@code lower} and {@code upper}. Unlike {@link org.pkeworkbench.eval.RateWithInterval}
 * it accepts any numbers, so that a hand-edited or partial report still renders.
 *
 * @param rate the proportion, normally in [0, 1]
 * @param count positive outcomes, or -1 when the report has no count
 * @param total trials, or -1 when the report has no total
 * @param lower lower interval bound, or NaN when absent
 * @param upper upper interval bound, or NaN when absent
 */
public record ReportedRate(double rate, int count, int total, double lower, double upper) {

    /** Reads a rate object; empty when {@code node} is missing or has no numeric {@code rate}. */
    public static Optional<ReportedRate> from(JsonNode node) {
        if (node == null || !node.isObject() || !node.path("rate").isNumber()) {
            return Optional.empty();
        }
        return Optional.of(new ReportedRate(node.get("rate").asDouble(),
                node.path("count").isNumber() ? node.get("count").asInt() : -1,
                node.path("total").isNumber() ? node.get("total").asInt() : -1,
                node.path("lower").isNumber() ? node.get("lower").asDouble() : Double.NaN,
                node.path("upper").isNumber() ? node.get("upper").asDouble() : Double.NaN));
    }

    public boolean hasInterval() {
        return !Double.isNaN(lower) && !Double.isNaN(upper);
    }

    /** Formats as a percentage with its interval and counts, such as {@code 85.0% [64.0%, 94.8%] (17/20)}. */
    public String describe() {
        StringBuilder text = new StringBuilder(Html.percent(rate));
        if (hasInterval()) {
            text.append(" [").append(Html.percent(lower)).append(", ").append(Html.percent(upper)).append(']');
        }
        if (count >= 0 && total >= 0) {
            text.append(String.format(Locale.ROOT, " (%d/%d)", count, total));
        }
        return text.toString();
    }
}
