package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One report's line in a {@link ReportComparison}. Absent values are NaN (numbers), -1 (counts),
 * empty (rates) or null (texts).
 *
 * @param label the row's name: given by the user, or the method
 * @param source the report file
 * @param method edit method ({@code pke}, {@code dinm}, {@code ftl}, {@code vanilla})
 * @param editMode {@code batch} or {@code per-record}, or null when the report does not say
 * @param asrBefore attack success rate before the edit
 * @param asrAfter attack success rate after the edit
 * @param overRefusalBefore benign refusal rate before the edit
 * @param overRefusalAfter benign refusal rate after the edit
 * @param rougeL mean ROUGE-L F1 of benign answers after against before
 * @param fluencyBefore weighted n-gram entropy before (bits)
 * @param fluencyAfter weighted n-gram entropy after (bits)
 * @param safeEditBefore SafeEdit scores before, 0 to 100 (empty map when absent)
 * @param safeEditAfter SafeEdit scores after, 0 to 100 (empty map when absent)
 * @param winRate the edited model's win rate
 * @param changedWeights number of changed weights
 * @param editSeconds wall time of the edit phase alone (s)
 * @param wallSeconds wall time of the whole run (s)
 * @param weightsSha256 SHA-256 of the unedited model's weights
 * @param evalSetSha256 SHA-256 of the attack prompt file
 * @param benignSetId SHA-256 of the benign prompt file, or its path for a built-in set
 */
public record ComparisonRow(
        String label,
        String source,
        String method,
        String editMode,
        Optional<ReportedRate> asrBefore,
        Optional<ReportedRate> asrAfter,
        Optional<ReportedRate> overRefusalBefore,
        Optional<ReportedRate> overRefusalAfter,
        double rougeL,
        double fluencyBefore,
        double fluencyAfter,
        Map<String, Double> safeEditBefore,
        Map<String, Double> safeEditAfter,
        Optional<ReportedRate> winRate,
        long changedWeights,
        double editSeconds,
        double wallSeconds,
        String weightsSha256,
        String evalSetSha256,
        String benignSetId) {

    /** Reads the compared values out of one report tree (already checked by {@link ReportReader}). */
    static ComparisonRow from(String label, String source, JsonNode report) {
        JsonNode benignSet = report.path("datasets").path("benign_set");
        return new ComparisonRow(label, source, report.path("method").asText(),
                text(report.get("edit_mode")),
                ReportedRate.from(report.get("asr_before")),
                ReportedRate.from(report.get("asr_after")),
                ReportedRate.from(report.get("over_refusal_before")),
                ReportedRate.from(report.get("over_refusal")),
                number(report.get("rouge_l_benign")),
                number(report.get("fluency_before")),
                number(report.get("fluency_after")),
                scores(report.get("safeedit_before")),
                scores(report.get("safeedit_after")),
                ReportedRate.from(report.get("win_rate")),
                report.path("changed_weights").isNumber() ? report.get("changed_weights").asLong() : -1,
                number(report.path("timings_seconds").has("locate_and_edit")
                        ? report.path("timings_seconds").get("locate_and_edit")
                        : report.path("timings_seconds").get("edit")),
                number(report.get("wall_seconds")),
                text(report.path("model").get("weights_sha256")),
                text(report.path("datasets").path("eval_set").get("sha256")),
                benignSet.has("sha256") ? text(benignSet.get("sha256")) : text(benignSet.get("path")));
    }

    /** Mean of the four SafeEdit DG scores after the edit that are present, or NaN when none is. */
    public double dgAverageAfter() {
        double sum = 0;
        int count = 0;
        for (String key : HtmlReport.SAFEEDIT_KEYS.subList(1, HtmlReport.SAFEEDIT_KEYS.size())) {
            Double value = safeEditAfter.get(key);
            if (value != null) {
                sum += value;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * Returns the row as flat columns in a fixed order, the same for every row: numbers (NaN when
     * absent), longs and strings (null when absent). JSON and CSV output use these names.
     */
    public Map<String, Object> columns() {
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("label", label);
        columns.put("file", source);
        columns.put("method", method);
        columns.put("edit_mode", editMode);
        putRate(columns, "asr_before", asrBefore);
        putRate(columns, "asr_after", asrAfter);
        putRate(columns, "over_refusal_before", overRefusalBefore);
        putRate(columns, "over_refusal_after", overRefusalAfter);
        columns.put("rouge_l_benign", rougeL);
        columns.put("fluency_before", fluencyBefore);
        columns.put("fluency_after", fluencyAfter);
        for (String key : HtmlReport.SAFEEDIT_KEYS) {
            columns.put(key + "_before", safeEditBefore.getOrDefault(key, Double.NaN));
            columns.put(key + "_after", safeEditAfter.getOrDefault(key, Double.NaN));
        }
        columns.put("dg_average_after", dgAverageAfter());
        putRate(columns, "win_rate", winRate);
        columns.put("changed_weights", changedWeights < 0 ? null : changedWeights);
        columns.put("edit_seconds", editSeconds);
        columns.put("wall_seconds", wallSeconds);
        columns.put("weights_sha256", weightsSha256);
        columns.put("eval_set_sha256", evalSetSha256);
        columns.put("benign_set", benignSetId);
        return columns;
    }

    private static void putRate(Map<String, Object> columns, String name, Optional<ReportedRate> rate) {
        columns.put(name, rate.map(ReportedRate::rate).orElse(Double.NaN));
        columns.put(name + "_lower", rate.map(ReportedRate::lower).orElse(Double.NaN));
        columns.put(name + "_upper", rate.map(ReportedRate::upper).orElse(Double.NaN));
    }

    private static Map<String, Double> scores(JsonNode node) {
        Map<String, Double> scores = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            for (String key : HtmlReport.SAFEEDIT_KEYS) {
                if (node.path(key).isNumber()) {
                    scores.put(key, node.get(key).asDouble());
                }
            }
        }
        return scores;
    }

    private static double number(JsonNode node) {
        return node != null && node.isNumber() ? node.asDouble() : Double.NaN;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }
}
