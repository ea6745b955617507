package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several edit reports side by side, one {@link ComparisonRow} per report, with warnings when the
 * reports are not comparable: different model weights or different evaluation prompt files (by
 * SHA-256), or a report that does not record the hash.
 *
 * <p>Output formats: {@link #toJson()}, {@link #toCsv()}, {@link #toMarkdown()} and {@link #toHtml()}.
 *
 * @param rows one row per report, in the order given
 * @param warnings comparability warnings, empty when the reports used the same model and data
 */
public record ReportComparison(List<ComparisonRow> rows, List<String> warnings) {

    private static final Logger LOG = LoggerFactory.getLogger(ReportComparison.class);

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public ReportComparison {
        rows = List.copyOf(rows);
        warnings = List.copyOf(warnings);
    }

    /**
     * Reads report files and compares them.
     *
     * @param labels one label per file, or an empty list to label rows by method (by method and
     *     file name where two reports share a method)
     * @throws IllegalArgumentException when the label count does not match, or a file is not an edit report
     * @throws java.nio.file.NoSuchFileException when a file does not exist
     */
    public static ReportComparison load(List<Path> files, List<String> labels) throws IOException {
        List<JsonNode> reports = new ArrayList<>();
        for (Path file : files) {
            reports.add(ReportReader.read(file));
        }
        return of(files.stream().map(Path::toString).toList(), reports, labels);
    }

    /**
     * Compares report trees already read.
     *
     * @param sources each report's file name, for labels and messages
     * @param reports report trees in the same order
     * @param labels one label per report, or empty for automatic labels
     */
    public static ReportComparison of(List<String> sources, List<JsonNode> reports, List<String> labels) {
        if (sources.size() != reports.size()) {
            throw new IllegalArgumentException("Got " + sources.size() + " sources for " + reports.size() + " reports");
        }
        if (!labels.isEmpty() && labels.size() != reports.size()) {
            throw new IllegalArgumentException("Got " + labels.size() + " labels for " + reports.size()
                    + " reports; give one --label per report file, in the same order, or none");
        }
        for (int i = 0; i < reports.size(); i++) {
            ReportReader.check(reports.get(i), sources.get(i));
        }
        List<String> rowLabels = labels.isEmpty() ? automaticLabels(sources, reports) : labels;

        List<ComparisonRow> rows = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            rows.add(ComparisonRow.from(rowLabels.get(i), sources.get(i), reports.get(i)));
        }
        List<String> warnings = new ArrayList<>();
        checkSame(rows, ComparisonRow::weightsSha256, "model weights (SHA-256)", warnings);
        checkSame(rows, ComparisonRow::evalSetSha256, "attack prompt files (eval_set SHA-256)", warnings);
        checkSame(rows, ComparisonRow::benignSetId, "benign prompt files (benign_set)", warnings);
        for (Map.Entry<String, String> setting : EVALUATION_SETTINGS.entrySet()) {
            // By row, not by label: two rows may carry the same label.
            Map<ComparisonRow, String> values = new IdentityHashMap<>();
            for (int i = 0; i < rows.size(); i++) {
                JsonNode value = reports.get(i).at(setting.getKey());
                values.put(rows.get(i), value.isMissingNode() ? null : value.toString());
            }
            if (values.values().stream().anyMatch(value -> value != null)) {
                checkSame(rows, values::get, setting.getValue(), warnings);
            }
        }
        for (String warning : warnings) {
            LOG.warn(warning);
        }
        LOG.info("Compared {} reports: {}", rows.size(), rowLabels);
        return new ReportComparison(rows, warnings);
    }

    /**
     * Report values that decide what the rates measure besides the files: how many prompts were
     * used, how long the answers could be, the prompt format and the judge. JSON pointer to label.
     */
    private static final Map<String, String> EVALUATION_SETTINGS = orderedMap(
            "/datasets/eval_set/records_used", "numbers of attack prompts (datasets.eval_set.records_used)",
            "/datasets/benign_set/records", "numbers of benign prompts (datasets.benign_set)",
            "/datasets/benign_set/records_used", "numbers of benign prompts (datasets.benign_set.records_used)",
            "/hyperparameters/max_new_tokens", "answer lengths (hyperparameters.max_new_tokens)",
            "/hyperparameters/chat_template", "prompt formats (hyperparameters.chat_template)",
            "/judge", "judges (judge)");

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static List<String> automaticLabels(List<String> sources, List<JsonNode> reports) {
        Map<String, Integer> methodCounts = new HashMap<>();
        for (JsonNode report : reports) {
            methodCounts.merge(report.get("method").asText(), 1, Integer::sum);
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            String method = reports.get(i).get("method").asText();
            Path fileName = Path.of(sources.get(i)).getFileName();
            labels.add(methodCounts.get(method) == 1 ? method : method + " (" + fileName + ")");
        }
        // Reports of one method in files of the same name, in different folders, are labelled with their paths.
        Map<String, Integer> labelCounts = new HashMap<>();
        labels.forEach(label -> labelCounts.merge(label, 1, Integer::sum));
        for (int i = 0; i < labels.size(); i++) {
            if (labelCounts.get(labels.get(i)) > 1) {
                labels.set(i, reports.get(i).get("method").asText() + " (" + sources.get(i) + ")");
            }
        }
        return labels;
    }

    /** Adds a warning when the rows differ in {@code key}, or when some rows do not record it. */
    private static void checkSame(List<ComparisonRow> rows, Function<ComparisonRow, String> key, String what,
            List<String> warnings) {
        Map<String, List<String>> labelsByValue = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (ComparisonRow row : rows) {
            String value = key.apply(row);
            if (value == null || value.isBlank()) {
                missing.add(row.label());
            } else {
                labelsByValue.computeIfAbsent(value, v -> new ArrayList<>()).add(row.label());
            }
        }
        if (labelsByValue.size() > 1) {
            List<String> groups = new ArrayList<>();
            labelsByValue.forEach((value, labels) -> groups.add(shortHash(value) + ": " + String.join(", ", labels)));
            warnings.add("The reports used different " + what + ", so their numbers are not comparable: "
                    + String.join("; ", groups));
        }
        if (!missing.isEmpty() && rows.size() > 1) {
            warnings.add("These reports do not record their " + what + ", so comparability cannot be checked: "
                    + String.join(", ", missing));
        }
    }

    /** Shortens a 64-character hex hash to its first 12 characters and returns other values unchanged. */
    private static String shortHash(String value) {
        return value.matches("[0-9a-f]{64}") ? value.substring(0, 12) + "\u2026" : value;
    }

    /** Returns {@code {"warnings": [...], "rows": [{column: value}]}}, with null for absent values. */
    public ObjectNode toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode warningArray = root.putArray("warnings");
        warnings.forEach(warningArray::add);
        ArrayNode rowArray = root.putArray("rows");
        for (ComparisonRow row : rows) {
            ObjectNode node = rowArray.addObject();
            row.columns().forEach((name, value) -> {
                if (value instanceof Double d) {
                    if (d.isNaN()) {
                        node.putNull(name);
                    } else {
                        node.put(name, d);
                    }
                } else if (value instanceof Long l) {
                    node.put(name, l);
                } else if (value == null) {
                    node.putNull(name);
                } else {
                    node.put(name, value.toString());
                }
            });
        }
        return root;
    }

    /**
     * Returns RFC 4180 CSV with a header row and one row per report (all of {@link ComparisonRow#columns()}).
     * Numbers keep full precision and absent values are empty fields. Warnings are not part of the CSV, but the hash columns show any mismatch.
     */
    public String toCsv() {
        StringBuilder csv = new StringBuilder();
        List<String> names = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).columns().keySet());
        csv.append(String.join(",", names)).append("\r\n");
        for (ComparisonRow row : rows) {
            List<String> fields = new ArrayList<>();
            for (Object value : row.columns().values()) {
                fields.add(csvField(value));
            }
            csv.append(String.join(",", fields)).append("\r\n");
        }
        return csv.toString();
    }

    private static String csvField(Object value) {
        if (value == null || (value instanceof Double d && d.isNaN())) {
            return "";
        }
        String text = value.toString();
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }

    /** The columns of the Markdown and HTML tables: header and cell text per row. */
    private static final List<Map.Entry<String, Function<ComparisonRow, String>>> TABLE_COLUMNS = List.of(
            Map.entry("Label", ComparisonRow::label),
            Map.entry("Method", row -> row.method() + (row.editMode() == null ? "" : " (" + row.editMode() + ")")),
            Map.entry("ASR before", row -> rateText(row.asrBefore())),
            Map.entry("ASR after", row -> rateText(row.asrAfter())),
            Map.entry("Over-refusal before", row -> rateText(row.overRefusalBefore())),
            Map.entry("Over-refusal after", row -> rateText(row.overRefusalAfter())),
            Map.entry("ROUGE-L", row -> Html.number(row.rougeL())),
            Map.entry("Fluency before/after (bits)", row -> Html.number(row.fluencyBefore()) + " / "
                    + Html.number(row.fluencyAfter())),
            Map.entry("DS after", row -> Html.number(row.safeEditAfter().getOrDefault("ds", Double.NaN))),
            Map.entry("DG avg after", row -> Html.number(row.dgAverageAfter())),
            Map.entry("Win rate", row -> rateText(row.winRate())),
            Map.entry("Changed weights", row -> row.changedWeights() < 0 ? "n/a" : Long.toString(row.changedWeights())),
            Map.entry("Edit time (s)", row -> Double.isNaN(row.editSeconds()) ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", row.editSeconds())));

    private static String rateText(Optional<ReportedRate> rate) {
        return rate.map(ReportedRate::describe).orElse("n/a");
    }

    /** Returns a Markdown (GitHub) table, preceded by one "Warning:" line per warning. Rates are percentages with 95% intervals. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        for (String warning : warnings) {
            md.append("> **Warning:** ").append(markdownCell(warning)).append("\n\n");
        }
        md.append('|');
        for (Map.Entry<String, Function<ComparisonRow, String>> column : TABLE_COLUMNS) {
            md.append(' ').append(column.getKey()).append(" |");
        }
        md.append("\n|");
        for (int i = 0; i < TABLE_COLUMNS.size(); i++) {
            md.append(i < 2 ? " --- |" : " ---: |");
        }
        md.append('\n');
        for (ComparisonRow row : rows) {
            md.append('|');
            for (Map.Entry<String, Function<ComparisonRow, String>> column : TABLE_COLUMNS) {
                md.append(' ').append(markdownCell(column.getValue().apply(row))).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static String markdownCell(String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /** Returns a self-contained HTML page: warnings, the table, and grouped SVG bar charts. */
    public String toHtml() {
        StringBuilder html = new StringBuilder(32 * 1024);
        ReportSections.openPage(html, "Edit report comparison");
        for (String warning : warnings) {
            ReportSections.warning(html, warning);
        }

        List<List<String>> tableRows = new ArrayList<>();
        for (ComparisonRow row : rows) {
            List<String> cells = new ArrayList<>();
            for (Map.Entry<String, Function<ComparisonRow, String>> column : TABLE_COLUMNS) {
                cells.add(Html.escape(column.getValue().apply(row)));
            }
            tableRows.add(cells);
        }
        ReportSections.table(html, TABLE_COLUMNS.stream().map(Map.Entry::getKey).toList(), tableRows);
        ReportSections.paragraph(html, "Rates are percentages with 95% Wilson score intervals and counts.");

        List<String> beforeAfter = List.of("before", "after");
        List<SvgCharts.Group> asr = new ArrayList<>();
        List<SvgCharts.Group> refusal = new ArrayList<>();
        List<SvgCharts.Group> rouge = new ArrayList<>();
        List<SvgCharts.Group> safeEdit = new ArrayList<>();
        List<SvgCharts.Group> winRate = new ArrayList<>();
        for (ComparisonRow row : rows) {
            asr.add(new SvgCharts.Group(row.label(), List.of(bar("before", row.asrBefore()), bar("after", row.asrAfter()))));
            refusal.add(new SvgCharts.Group(row.label(), List.of(bar("before", row.overRefusalBefore()),
                    bar("after", row.overRefusalAfter()))));
            rouge.add(new SvgCharts.Group(row.label(), List.of(new SvgCharts.Bar("ROUGE-L", row.rougeL(), Double.NaN,
                    Double.NaN))));
            safeEdit.add(new SvgCharts.Group(row.label(), List.of(
                    score("DS after", row.safeEditAfter().getOrDefault("ds", Double.NaN)),
                    score("DG avg after", row.dgAverageAfter()))));
            winRate.add(new SvgCharts.Group(row.label(), List.of(bar("win rate", row.winRate()))));
        }
        html.append(SvgCharts.groupedBars("ASR with 95% intervals", beforeAfter, asr, 1, Html::percent));
        html.append(SvgCharts.groupedBars("Over-refusal with 95% intervals", beforeAfter, refusal, 1, Html::percent));
        html.append(SvgCharts.groupedBars("ROUGE-L of benign answers, after against before", List.of("ROUGE-L"), rouge, 1,
                Html::number));
        if (rows.stream().anyMatch(row -> !row.safeEditAfter().isEmpty())) {
            html.append(SvgCharts.groupedBars("SafeEdit scores after the edit (higher is safer)",
                    List.of("DS after", "DG avg after"), safeEdit, 100, Html::number));
        }
        if (rows.stream().anyMatch(row -> row.winRate().isPresent())) {
            html.append(SvgCharts.groupedBars("Win rate with 95% intervals", List.of("win rate"), winRate, 1,
                    Html::percent));
        }

        ReportSections.heading(html, "files", "Report files");
        List<List<String>> files = new ArrayList<>();
        for (ComparisonRow row : rows) {
            files.add(List.of(Html.escape(row.label()), "<code>" + Html.escape(row.source()) + "</code>",
                    "<span class=\"hash\">" + Html.escape(String.valueOf(row.weightsSha256())) + "</span>",
                    "<span class=\"hash\">" + Html.escape(String.valueOf(row.evalSetSha256())) + "</span>"));
        }
        ReportSections.table(html, List.of("Label", "File", "Weights SHA-256", "Eval set SHA-256"), files);
        ReportSections.closePage(html);
        return html.toString();
    }

    private static SvgCharts.Bar bar(String series, Optional<ReportedRate> rate) {
        return rate.map(r -> SvgCharts.Bar.of(series, r)).orElse(SvgCharts.Bar.missing(series));
    }

    private static SvgCharts.Bar score(String series, double value) {
        return new SvgCharts.Bar(series, value, Double.NaN, Double.NaN);
    }
}
