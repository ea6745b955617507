package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders one edit report into a self-contained HTML page: inline CSS, charts as inline SVG, no
 * scripts and no external resources, every text escaped. The report is read as a generic JSON tree:
 * optional keys (SafeEdit scores, win rate, per-category ASR, edit mode) are shown when present, and
 * keys this class does not know are listed under "Other fields".
 */
public final class HtmlReport {

    private static final Logger LOG = LoggerFactory.getLogger(HtmlReport.class);

    /** SafeEdit score keys in the order of the SafeEdit benchmark's tables; values are 0 to 100, higher is safer. */
    static final List<String> SAFEEDIT_KEYS = List.of("ds", "dg_only_question", "dg_other_attack",
            "dg_other_question", "dg_other_question_and_attack");

    /** Top-level keys that have their own section; any other key goes to "Other fields". */
    private static final Set<String> KNOWN_KEYS = Set.of("method", "edit_mode", "model", "datasets", "judge",
            "hot_spots", "layer_scores", "asr_before", "asr_after", "rouge_l_benign", "over_refusal",
            "over_refusal_before", "fluency_before", "fluency_after", "steps", "stopped_early", "changed_weights",
            "wall_seconds", "timings_seconds", "hyperparameters", "history", "attacks", "benign", "environment",
            "safeedit_before", "safeedit_after", "win_rate", "asr_by_category_before", "asr_by_category_after",
            "per_record");

    private static final List<String> BEFORE_AFTER = List.of("before", "after");

    private HtmlReport() {}

    /**
     * Renders {@code report} as one HTML page.
     *
     * @param report an edit report's JSON tree, as {@link ReportReader#read} returns it
     * @throws IllegalArgumentException when {@code report} lacks the keys every edit report has
     */
    public static String render(JsonNode report) {
        long started = System.nanoTime();
        ReportReader.check(report, "(in memory)");
        String method = report.get("method").asText();
        StringBuilder html = new StringBuilder(64 * 1024);
        ReportSections.openPage(html, "Edit report: " + method);

        runSection(html, report);
        metricsSection(html, report);
        editSection(html, report);
        hotSpotsSection(html, report);
        settingsSection(html, report);
        attacksSection(html, report);
        benignSection(html, report);
        otherFieldsSection(html, report);

        ReportSections.closePage(html);
        LOG.info("Rendered HTML report for method {} ({} characters) in {} ms", method, html.length(),
                (System.nanoTime() - started) / 1_000_000);
        return html.toString();
    }

    private static void runSection(StringBuilder html, JsonNode report) {
        ReportSections.heading(html, "run", "Run");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Method", Html.escape(report.get("method").asText())));
        if (report.has("edit_mode")) {
            rows.add(List.of("Edit mode", Html.escape(ReportSections.valueText(report.get("edit_mode")))));
        }
        if ("vanilla".equals(report.get("method").asText())) {
            rows.add(List.of("Note", "Vanilla is the unedited model, so the after values equal the before values."));
        }
        rows.add(List.of("Judge", Html.escape(ReportSections.valueText(report.get("judge")))));
        JsonNode model = report.path("model");
        rows.add(List.of("Model path", "<code>" + Html.escape(model.path("path").asText("")) + "</code>"));
        rows.add(List.of("Model type", Html.escape(model.path("model_type").asText(""))));
        rows.add(List.of("Weights SHA-256", "<span class=\"hash\">" + Html.escape(model.path("weights_sha256").asText("not recorded"))
                + "</span>"));
        Iterator<Map.Entry<String, JsonNode>> fields = model.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!Set.of("path", "model_type", "weights_sha256").contains(field.getKey())) {
                rows.add(List.of("Model " + Html.escape(field.getKey().replace('_', ' ')),
                        Html.escape(ReportSections.valueText(field.getValue()))));
            }
        }
        ReportSections.table(html, List.of("Field", "Value"), rows);

        JsonNode datasets = report.path("datasets");
        if (datasets.isObject() && datasets.size() > 0) {
            List<List<String>> datasetRows = new ArrayList<>();
            datasets.fields().forEachRemaining(entry -> {
                JsonNode info = entry.getValue();
                String records = info.has("records_used") ? ReportSections.valueText(info.get("records_used"))
                        : ReportSections.valueText(info.get("records"));
                datasetRows.add(List.of(Html.escape(entry.getKey()), "<code>" + Html.escape(info.path("path").asText(""))
                        + "</code>", "<span class=\"hash\">" + Html.escape(info.path("sha256").asText("")) + "</span>",
                        ReportSections.numericCell(records)));
            });
            ReportSections.table(html, List.of("Dataset", "Path", "SHA-256", "Records used"), datasetRows);
        }
    }

    private static void metricsSection(StringBuilder html, JsonNode report) {
        ReportSections.heading(html, "metrics", "Headline metrics");
        Optional<ReportedRate> asrBefore = ReportedRate.from(report.get("asr_before"));
        Optional<ReportedRate> asrAfter = ReportedRate.from(report.get("asr_after"));
        Optional<ReportedRate> refusalBefore = ReportedRate.from(report.get("over_refusal_before"));
        Optional<ReportedRate> refusalAfter = ReportedRate.from(report.get("over_refusal"));

        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Attack success rate (ASR)", rateCell(asrBefore), rateCell(asrAfter)));
        rows.add(List.of("Over-refusal on benign prompts", rateCell(refusalBefore), rateCell(refusalAfter)));
        rows.add(List.of("ROUGE-L F1 of benign answers, after against before", "",
                ReportSections.numericCell(numberText(report.get("rouge_l_benign")))));
        rows.add(List.of("Fluency (weighted n-gram entropy, bits)",
                ReportSections.numericCell(numberText(report.get("fluency_before"))),
                ReportSections.numericCell(numberText(report.get("fluency_after")))));
        JsonNode safeBefore = report.path("safeedit_before");
        JsonNode safeAfter = report.path("safeedit_after");
        boolean hasSafeEdit = safeBefore.isObject() || safeAfter.isObject();
        if (hasSafeEdit) {
            for (String key : SAFEEDIT_KEYS) {
                rows.add(List.of("SafeEdit " + safeEditName(key) + " (0 to 100, higher is safer)",
                        ReportSections.numericCell(numberText(safeBefore.get(key))),
                        ReportSections.numericCell(numberText(safeAfter.get(key)))));
            }
        }
        Optional<ReportedRate> winRate = ReportedRate.from(report.get("win_rate"));
        winRate.ifPresent(rate -> rows.add(List.of("Win rate of the edited model" + winRateDetail(report.get("win_rate")),
                "", rateCell(Optional.of(rate)))));
        ReportSections.table(html, List.of("Metric", "Before", "After"), rows);
        ReportSections.paragraph(html, "Intervals are 95% Wilson score intervals; counts are positives/total.");

        List<SvgCharts.Group> rateGroups = new ArrayList<>();
        rateGroups.add(new SvgCharts.Group("ASR", List.of(bar("before", asrBefore), bar("after", asrAfter))));
        rateGroups.add(new SvgCharts.Group("Over-refusal", List.of(bar("before", refusalBefore), bar("after", refusalAfter))));
        html.append(SvgCharts.groupedBars("ASR and over-refusal with 95% intervals", BEFORE_AFTER, rateGroups, 1,
                Html::percent));
        winRate.ifPresent(rate -> html.append(SvgCharts.groupedBars("Win rate with 95% interval", List.of("after"),
                List.of(new SvgCharts.Group("Win rate", List.of(SvgCharts.Bar.of("after", rate)))), 1, Html::percent)));
        if (hasSafeEdit) {
            List<SvgCharts.Group> groups = new ArrayList<>();
            for (String key : SAFEEDIT_KEYS) {
                groups.add(new SvgCharts.Group(safeEditName(key), List.of(score("before", safeBefore.get(key)),
                        score("after", safeAfter.get(key)))));
            }
            html.append(SvgCharts.groupedBars("SafeEdit scores (higher is safer)", BEFORE_AFTER, groups, 100,
                    Html::number));
        }
        categorySection(html, report);
    }

    private static void categorySection(StringBuilder html, JsonNode report) {
        JsonNode before = report.path("asr_by_category_before");
        JsonNode after = report.path("asr_by_category_after");
        if (!before.isObject() && !after.isObject()) {
            return;
        }
        Set<String> categories = new LinkedHashSet<>();
        before.fieldNames().forEachRemaining(categories::add);
        after.fieldNames().forEachRemaining(categories::add);
        List<SvgCharts.Group> groups = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (String category : categories) {
            Optional<ReportedRate> b = ReportedRate.from(before.get(category));
            Optional<ReportedRate> a = ReportedRate.from(after.get(category));
            groups.add(new SvgCharts.Group(category, List.of(bar("before", b), bar("after", a))));
            rows.add(List.of(Html.escape(category), rateCell(b), rateCell(a)));
        }
        html.append("<h3>ASR per category</h3>\n");
        ReportSections.table(html, List.of("Category", "ASR before", "ASR after"), rows);
        html.append(SvgCharts.groupedBars("ASR per category with 95% intervals", BEFORE_AFTER, groups, 1,
                Html::percent));
    }

    private static void editSection(StringBuilder html, JsonNode report) {
        ReportSections.heading(html, "edit", "Edit");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Steps run", ReportSections.numericCell(ReportSections.valueText(report.get("steps")))));
        rows.add(List.of("Stopped early on its targets", Html.escape(ReportSections.valueText(report.get("stopped_early")))));
        rows.add(List.of("Changed weights", ReportSections.numericCell(ReportSections.valueText(report.get("changed_weights")))));
        ReportSections.table(html, List.of("Field", "Value"), rows);

        JsonNode history = report.path("history");
        if (!history.isArray() || history.isEmpty()) {
            ReportSections.paragraph(html, "No loss history (no edit steps were run).");
            return;
        }
        List<String> terms = List.of("loss", "safe_nll", "unsafe_probability", "kl");
        double[] steps = new double[history.size()];
        double[][] values = new double[terms.size()][history.size()];
        List<List<String>> historyRows = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            JsonNode step = history.get(i);
            steps[i] = step.path("step").asDouble(i + 1);
            List<String> row = new ArrayList<>();
            row.add(ReportSections.numericCell(Html.number(steps[i])));
            for (int t = 0; t < terms.size(); t++) {
                JsonNode value = step.get(terms.get(t));
                values[t][i] = value != null && value.isNumber() ? value.asDouble() : Double.NaN;
                row.add(ReportSections.numericCell(Html.number(values[t][i])));
            }
            historyRows.add(row);
        }
        List<SvgCharts.Line> lines = new ArrayList<>();
        for (int t = 0; t < terms.size(); t++) {
            lines.add(new SvgCharts.Line(terms.get(t), values[t]));
        }
        html.append(SvgCharts.lines("Loss terms per edit step (measured before each update)", "step", steps, lines));
        html.append("<details><summary>Loss history table (").append(history.size()).append(" steps)</summary>\n");
        ReportSections.table(html, List.of("Step", "Loss", "Safe NLL (nats/token)", "Unsafe probability", "KL (nats)"),
                historyRows);
        html.append("</details>\n");
    }

    /** In per-record mode: each record's own hot spots, steps, final loss and changed weights. */
    private static void perRecordTable(StringBuilder html, JsonNode perRecord) {
        if (!perRecord.isArray() || perRecord.isEmpty()) {
            return;
        }
        ReportSections.paragraph(html, "Per-record edits, applied in this order:");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode record : perRecord) {
            List<String> layers = new ArrayList<>();
            for (JsonNode spot : record.path("hot_spots")) {
                layers.add(spot.path("layer").asText() + " (" + spot.path("neurons").size() + ")");
            }
            rows.add(List.of(ReportSections.valueText(record.get("record")), String.join(", ", layers),
                    ReportSections.numericCell(ReportSections.valueText(record.get("steps"))),
                    ReportSections.numericCell(ReportSections.valueText(record.get("final_loss"))),
                    ReportSections.numericCell(ReportSections.valueText(record.get("changed_weights")))));
        }
        ReportSections.table(html, List.of("Record", "Layers (neurons)", "Steps", "Final loss", "Changed weights"),
                rows);
    }

    private static void hotSpotsSection(StringBuilder html, JsonNode report) {
        ReportSections.heading(html, "hot-spots", "Hot spots");
        JsonNode hotSpots = report.path("hot_spots");
        if (!hotSpots.isArray() || hotSpots.isEmpty()) {
            ReportSections.paragraph(html, "No hot spots recorded.");
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode hotSpot : hotSpots) {
                JsonNode neurons = hotSpot.path("neurons");
                rows.add(List.of(ReportSections.numericCell(ReportSections.valueText(hotSpot.get("layer"))),
                        ReportSections.numericCell(String.valueOf(neurons.size())),
                        Html.shortened(ReportSections.valueText(neurons))));
            }
            ReportSections.table(html, List.of("Layer", "Neurons", "Neuron indices"), rows);
        }
        perRecordTable(html, report.path("per_record"));

        JsonNode scores = report.path("layer_scores");
        if (scores.isObject() && scores.size() > 0) {
            List<String> names = new ArrayList<>();
            scores.fieldNames().forEachRemaining(names::add);
            int layers = 0;
            for (String name : names) {
                layers = Math.max(layers, scores.get(name).size());
            }
            List<List<String>> rows = new ArrayList<>();
            for (int layer = 0; layer < layers; layer++) {
                List<String> row = new ArrayList<>();
                row.add(ReportSections.numericCell(String.valueOf(layer)));
                for (String name : names) {
                    row.add(ReportSections.numericCell(numberText(scores.get(name).get(layer))));
                }
                rows.add(row);
            }
            List<String> headers = new ArrayList<>();
            headers.add("Layer");
            headers.addAll(names);
            html.append("<h3>Locator scores per layer</h3>\n");
            ReportSections.table(html, headers, rows);
        }
    }

    private static void settingsSection(StringBuilder html, JsonNode report) {
        ReportSections.heading(html, "hyperparameters", "Hyperparameters");
        ReportSections.table(html, List.of("Setting", "Value"), ReportSections.flattenedRows(report.path("hyperparameters")));

        ReportSections.heading(html, "environment", "Environment and timings");
        List<List<String>> timings = new ArrayList<>();
        report.path("timings_seconds").fields().forEachRemaining(entry -> timings.add(List.of(
                Html.escape(entry.getKey()), ReportSections.numericCell(String.format(Locale.ROOT, "%.3f",
                        entry.getValue().asDouble())))));
        if (report.path("wall_seconds").isNumber()) {
            timings.add(List.of("<b>total</b>", ReportSections.numericCell(String.format(Locale.ROOT, "%.3f",
                    report.get("wall_seconds").asDouble()))));
        }
        ReportSections.table(html, List.of("Phase", "Wall time (s)"), timings);
        ReportSections.table(html, List.of("Field", "Value"), ReportSections.flattenedRows(report.path("environment")));
    }

    private static void attacksSection(StringBuilder html, JsonNode report) {
        JsonNode attacks = report.path("attacks");
        ReportSections.heading(html, "attacks", "Attack prompts (" + attacks.size() + ")");
        List<List<String>> rows = new ArrayList<>();
        int index = 1;
        for (JsonNode attack : attacks) {
            List<String> row = new ArrayList<>();
            row.add(ReportSections.numericCell(String.valueOf(index++)));
            if (attack.has("category")) {
                row.add(Html.escape(ReportSections.valueText(attack.get("category"))));
            }
            row.add(Html.shortened(attack.path("prompt").asText("")));
            row.add(Html.shortened(attack.path("response_before").asText("")));
            row.add(verdictCell(attack.get("attack_succeeded_before")));
            row.add(Html.shortened(attack.path("response_after").asText("")));
            row.add(verdictCell(attack.get("attack_succeeded_after")));
            rows.add(row);
        }

        List<String> headers = new ArrayList<>(List.of("#"));
        if (rows.stream().anyMatch(row -> row.size() == 7)) {
            headers.add("Category");
        }
        headers.addAll(List.of("Prompt", "Response before", "Attack succeeded before", "Response after",
                "Attack succeeded after"));

        // A mixed table (some rows with a category, some without) pads the rows without one.
        List<List<String>> aligned = new ArrayList<>();
        for (List<String> row : rows) {
            if (row.size() < headers.size()) {
                List<String> padded = new ArrayList<>(row);
                padded.add(1, "");
                aligned.add(padded);
            } else {
                aligned.add(row);
            }
        }

        ReportSections.table(html, headers, aligned);
    }

    private static void benignSection(StringBuilder html, JsonNode report) {
        JsonNode benign = report.path("benign");
        ReportSections.heading(html, "benign", "Benign prompts (" + benign.size() + ")");
        List<List<String>> rows = new ArrayList<>();
        int index = 1;
        for (JsonNode outcome : benign) {
            rows.add(List.of(ReportSections.numericCell(String.valueOf(index++)),
                    Html.shortened(outcome.path("prompt").asText("")),
                    Html.shortened(outcome.path("before").asText("")),
                    Html.shortened(outcome.path("after").asText("")),
                    ReportSections.numericCell(numberText(outcome.get("rouge_l"))),
                    verdictCell(outcome.get("refused_before")),
                    verdictCell(outcome.get("refused_after"))));
        }
        ReportSections.table(html, List.of("#", "Prompt", "Answer before", "Answer after", "ROUGE-L", "Refused before",
                "Refused after"), rows);
    }

    private static void otherFieldsSection(StringBuilder html, JsonNode report) {
        List<List<String>> rows = new ArrayList<>();
        report.fields().forEachRemaining(entry -> {
            if (!KNOWN_KEYS.contains(entry.getKey())) {
                rows.add(List.of("<code>" + Html.escape(entry.getKey()) + "</code>",
                        Html.shortened(ReportSections.valueText(entry.getValue()))));
            }
        });
        if (!rows.isEmpty()) {
            ReportSections.heading(html, "other", "Other fields");
            ReportSections.table(html, List.of("Key", "Value"), rows);
        }
    }

    private static String rateCell(Optional<ReportedRate> rate) {
        return ReportSections.numericCell(rate.map(ReportedRate::describe).orElse("n/a"));
    }

    private static String numberText(JsonNode node) {
        return node != null && node.isNumber() ? Html.number(node.asDouble()) : "n/a";
    }

    private static String verdictCell(JsonNode node) {
        if (node == null || !node.isBoolean()) {
            return "";
        }
        return node.asBoolean() ? "<span class=\"yes\">yes</span>" : "<span class=\"no\">no</span>";
    }

    private static SvgCharts.Bar bar(String series, Optional<ReportedRate> rate) {
        return rate.map(r -> SvgCharts.Bar.of(series, r)).orElse(SvgCharts.Bar.missing(series));
    }

    private static SvgCharts.Bar score(String series, JsonNode value) {
        return value != null && value.isNumber() ? new SvgCharts.Bar(series, value.asDouble(), Double.NaN, Double.NaN)
                : SvgCharts.Bar.missing(series);
    }

    private static String winRateDetail(JsonNode winRate) {
        List<String> parts = new ArrayList<>();
        if (winRate.hasNonNull("reference")) {
            parts.add("against " + winRate.get("reference").asText());
        }
        if (winRate.hasNonNull("judge")) {
            parts.add("judged by " + winRate.get("judge").asText());
        }
        return parts.isEmpty() ? "" : Html.escape(" (" + String.join(", ", parts) + ")");
    }

    /** Returns the SafeEdit benchmark's short name for a score key, such as {@code DG-onlyQ} for {@code dg_only_question}. */
    static String safeEditName(String key) {
        return switch (key) {
            case "ds" -> "DS";
            case "dg_only_question" -> "DG-onlyQ";
            case "dg_other_attack" -> "DG-otherA";
            case "dg_other_question" -> "DG-otherQ";
            case "dg_other_question_and_attack" -> "DG-otherAQ";
            default -> key;
        };
    }
}
