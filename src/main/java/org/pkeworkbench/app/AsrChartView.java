package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonGenerator;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.util.Locale;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.MenuButton;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Results of an edit: attack success rate before and after as grouped bars labelled with their
 * 95% Wilson intervals, and a table of ASR, over-refusal, ROUGE-L, steps and wall time.
 */
public final class AsrChartView extends BorderPane {

    static final String BEFORE = "Before edit";
    static final String AFTER = "After edit";
    static final String ASR = "Attack success rate";

    private final DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    private final Label asrBeforeLabel = valueLabel("asrBeforeLabel");
    private final Label asrAfterLabel = valueLabel("asrAfterLabel");
    private final Label overRefusalBeforeLabel = valueLabel("overRefusalBeforeLabel");
    private final Label overRefusalAfterLabel = valueLabel("overRefusalAfterLabel");
    private final Label rougeBeforeLabel = valueLabel("rougeBeforeLabel");
    private final Label rougeAfterLabel = valueLabel("rougeAfterLabel");
    private final Label runLabel = valueLabel("editRunLabel");
    private static final int DEFAULT_EXPORT_WIDTH = 640;
    private static final int DEFAULT_EXPORT_HEIGHT = 420;

    private final JFreeChart chart;
    private final ChartViewer viewer;
    private final BreakdownChart breakdown = new BreakdownChart();
    private EditSummary summary;
    /** Export error message while no results are shown, set when the results are cleared. */
    private String noResultsError;

    public AsrChartView() {
        chart = createChart();
        viewer = new ChartViewer(chart);
        ChartViewer breakdownViewer = new ChartViewer(breakdown.chart());
        breakdownViewer.setId("breakdownChart");
        SplitPane charts = new SplitPane(viewer, breakdownViewer);
        charts.setOrientation(Orientation.HORIZONTAL);
        charts.setDividerPositions(0.45);
        setCenter(charts);
        setBottom(createMetricsTable());

        MenuButton export = FigureFiles.exportMenu(this, "edit results", this::requireSummary, this::exportPng, this::exportSvg,
                this::exportCsv, this::exportJson);
        export.setId("asrExport");
        HBox toolbar = new HBox(export);
        toolbar.setAlignment(Pos.CENTER_RIGHT);
        toolbar.setPadding(new Insets(4, 8, 4, 8));
        setTop(toolbar);
        clearWithUndone(0);
    }

    private JFreeChart createChart() {
        NumberAxis rateAxis = new NumberAxis("Attack success rate");
        rateAxis.setRange(0, 1.08);
        rateAxis.setTickUnit(new NumberTickUnit(0.1, NumberFormat.getPercentInstance(Locale.ROOT)));

        BarRenderer renderer = BreakdownChart.beforeAfterRenderer();
        renderer.setDefaultItemLabelGenerator(new WilsonLabelGenerator());
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        renderer.setDefaultItemLabelsVisible(true);
        // Vertical labels inside the bars: side by side, horizontal labels of two equal bars overlap.
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.INSIDE12,
                TextAnchor.CENTER_RIGHT, TextAnchor.CENTER_RIGHT, -Math.PI / 2));
        renderer.setPositiveItemLabelPositionFallback(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12,
                TextAnchor.CENTER_LEFT, TextAnchor.CENTER_LEFT, -Math.PI / 2));
        renderer.setDefaultItemLabelPaint(Color.WHITE);

        // Wide outer margins keep the two bars of the single category narrow and side by side.
        CategoryAxis categoryAxis = new CategoryAxis(null);
        categoryAxis.setLowerMargin(0.3);
        categoryAxis.setUpperMargin(0.3);
        CategoryPlot plot = new CategoryPlot(dataset, categoryAxis, rateAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));

        JFreeChart chart = new JFreeChart("Attack success rate (95% Wilson interval)",
                new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private GridPane createMetricsTable() {
        GridPane grid = new GridPane();
        grid.setHgap(24);
        grid.setVgap(4);
        grid.setPadding(new Insets(8, 12, 8, 12));
        grid.addRow(0, new Label(""), header(BEFORE), header(AFTER));
        grid.addRow(1, header("Attack success rate"), asrBeforeLabel, asrAfterLabel);
        grid.addRow(2, header("Over-refusal (benign prompts refused)"), overRefusalBeforeLabel, overRefusalAfterLabel);
        grid.addRow(3, header("Benign ROUGE-L F1 against pre-edit answers"), rougeBeforeLabel, rougeAfterLabel);
        grid.add(runLabel, 0, 4, 3, 1);
        return grid;
    }

    /** Shows {@code editSummary}, or clears the view when it is null. */
    public void setSummary(EditSummary editSummary) {
        if (editSummary == null) {
            clear();
            return;
        }
        summary = editSummary;
        breakdown.setSummary(editSummary);
        dataset.clear();
        dataset.addValue(editSummary.asrBefore().value(), BEFORE, ASR);
        dataset.addValue(editSummary.asrAfter().value(), AFTER, ASR);

        asrBeforeLabel.setText(formatProportion(editSummary.asrBefore()));
        asrAfterLabel.setText(formatProportion(editSummary.asrAfter()));
        overRefusalBeforeLabel.setText(formatProportion(editSummary.overRefusalBefore()));
        overRefusalAfterLabel.setText(formatProportion(editSummary.overRefusalAfter()));
        rougeBeforeLabel.setText(formatScore(editSummary.rougeLBefore()));
        rougeAfterLabel.setText(formatScore(editSummary.rougeLAfter()));
        runLabel.setText(String.format(Locale.ROOT, "%d edit steps, %.1f s wall time", editSummary.steps(), editSummary.wallSeconds()));
    }

    /**
     * Removes the results. This view does not see the edit history, so its hint fits every state
     * without results: no edit run yet, every edit undone, or an applied edit that has no results.
     * Callers that know that no edit is applied use {@link #clearWithUndone(int)} for a precise hint.
     */
    public void clear() {
        showNoResults("No edit results to show. Run an edit, or Redo one you undid.",
                "There are no edit results to export. Run an edit, or use Edit > Redo to apply an undone edit"
                        + " again.");
    }

    /**
     * Removes the results when no edit is applied, and shows how many undone edits Redo can apply
     * again. With {@code undoneEdits} 0 the history is empty, so no edit has run on this model.
     */
    public void clearWithUndone(int undoneEdits) {
        if (undoneEdits <= 0) {
            showNoResults("No edit run yet", "There are no edit results to export. Run an edit first.");
            return;
        }
        String redo = undoneEdits == 1 ? "Redo applies it again" : "Redo applies them again in order";
        showNoResults("No edit is applied (" + undoneEdits + " undone; " + redo + ")",
                "There are no edit results to export because no edit is applied (" + undoneEdits + " undone). Use"
                        + " Edit > Redo to apply an undone edit again, or run an edit.");
    }

    /** Empties the charts and the table and shows {@code hint} in the chart and below the table. */
    private void showNoResults(String hint, String exportError) {
        summary = null;
        noResultsError = exportError;
        dataset.clear();
        breakdown.setSummary(null);
        for (Label label : new Label[] {asrBeforeLabel, asrAfterLabel, overRefusalBeforeLabel, overRefusalAfterLabel,
                rougeBeforeLabel, rougeAfterLabel}) {
            label.setText("–");
        }
        chart.getCategoryPlot().setNoDataMessage(hint);
        runLabel.setText(hint);
    }

    /** Returns the text below the metrics table: the edit's steps and time, or why there are no results. */
    String runText() {
        return runLabel.getText();
    }

    public Optional<EditSummary> summary() {
        return Optional.ofNullable(summary);
    }

    /** Returns the plotted ASR of series {@link #BEFORE} or {@link #AFTER}, empty when nothing is plotted. */
    Optional<Double> plottedAsr(String series) {
        if (dataset.getRowIndex(series) < 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(dataset.getValue(series, ASR)).map(Number::doubleValue);
    }

    /** Returns the rate plotted in the breakdown chart for {@code series} and {@code column}, if any. */
    Optional<Double> plottedBreakdown(String series, String column) {
        return breakdown.plotted(series, column);
    }

    /** Returns the text of the ASR label for {@link #BEFORE} or {@link #AFTER}. */
    String asrText(String series) {
        return (BEFORE.equals(series) ? asrBeforeLabel : asrAfterLabel).getText();
    }

    /**
     * Writes the ASR chart as a PNG at the viewer's size in pixels, or 640 x 420 before it is laid
     * out. The metrics table is not part of the image, but the CSV and JSON exports contain it.
     * Call on the JavaFX thread, because the viewer may redraw the same chart there.
     */
    public void exportPng(Path target) throws IOException {
        requireSummary();
        int width = viewer.getWidth() >= 1 ? (int) viewer.getWidth() : DEFAULT_EXPORT_WIDTH;
        int height = viewer.getHeight() >= 1 ? (int) viewer.getHeight() : DEFAULT_EXPORT_HEIGHT;
        FigureFiles.writeAtomically(target, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
    }

    /**
     * Writes a 640 x 420 SVG with one {@code rect class="bar"} per ASR (before, after), a
     * {@code line class="interval"} for each 95% Wilson interval, and axis, value and metric labels.
     */
    public void exportSvg(Path target) throws IOException {
        FigureFiles.writeText(target, AsrSvg.render(requireSummary()));
    }

    /**
     * Writes {@code metric,stage,value,count,total,lower95,upper95}: ASR and over-refusal before and
     * after with their Wilson intervals, the ASR of each harm category (metric
     * {@code attack_success_rate:CATEGORY}), ROUGE-L before and after (no count or interval), then
     * the edit's steps and wall seconds. Missing numbers are empty fields.
     */
    public void exportCsv(Path target) throws IOException {
        EditSummary shown = requireSummary();
        StringBuilder csv = new StringBuilder("metric,stage,value,count,total,lower95,upper95\n");
        appendProportion(csv, "attack_success_rate", "before", shown.asrBefore());
        appendProportion(csv, "attack_success_rate", "after", shown.asrAfter());
        appendProportion(csv, "over_refusal", "before", shown.overRefusalBefore());
        appendProportion(csv, "over_refusal", "after", shown.overRefusalAfter());
        for (String category : shown.asrByCategoryBefore().keySet()) {
            String metric = FigureFiles.csvField("attack_success_rate:" + category);
            appendProportion(csv, metric, "before", shown.asrByCategoryBefore().get(category));
            appendProportion(csv, metric, "after", shown.asrByCategoryAfter().get(category));
        }
        csv.append("rouge_l_f1,before,").append(number(shown.rougeLBefore())).append(",,,,\n");
        csv.append("rouge_l_f1,after,").append(number(shown.rougeLAfter())).append(",,,,\n");
        csv.append("edit_steps,,").append(shown.steps()).append(",,,,\n");
        csv.append("wall_seconds,,").append(number(shown.wallSeconds())).append(",,,,\n");
        FigureFiles.writeText(target, csv.toString());
    }

    /**
     * Writes {@code {"attackSuccessRate": {"before": P, "after": P}, "overRefusal": {...},
     * "rougeL": {"before": x, "after": y}, "attackSuccessRateByCategory": {CATEGORY: {"before": P,
     * "after": P}}, "steps": n, "wallSeconds": s}} where each {@code P} is
     * {@code {"value", "count", "total", "lower95", "upper95"}}. Jackson writes NaN as the string "NaN".
     */
    public void exportJson(Path target) throws IOException {
        EditSummary shown = requireSummary();
        FigureFiles.writeJson(target, json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("attackSuccessRate");
            writeProportion(json, "before", shown.asrBefore());
            writeProportion(json, "after", shown.asrAfter());
            json.writeEndObject();
            json.writeObjectFieldStart("overRefusal");
            writeProportion(json, "before", shown.overRefusalBefore());
            writeProportion(json, "after", shown.overRefusalAfter());
            json.writeEndObject();
            json.writeObjectFieldStart("rougeL");
            json.writeNumberField("before", shown.rougeLBefore());
            json.writeNumberField("after", shown.rougeLAfter());
            json.writeEndObject();
            json.writeObjectFieldStart("attackSuccessRateByCategory");
            for (String category : shown.asrByCategoryBefore().keySet()) {
                json.writeObjectFieldStart(category);
                writeProportion(json, "before", shown.asrByCategoryBefore().get(category));
                writeProportion(json, "after", shown.asrByCategoryAfter().get(category));
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeNumberField("steps", shown.steps());
            json.writeNumberField("wallSeconds", shown.wallSeconds());
            json.writeEndObject();
        });
    }

    private EditSummary requireSummary() {
        if (summary == null) {
            throw new IllegalStateException(noResultsError);
        }
        return summary;
    }

    private static void appendProportion(StringBuilder csv, String metric, String stage, Proportion proportion) {
        Proportion.Interval interval = proportion.wilson95();
        csv.append(metric).append(',').append(stage).append(',').append(proportion.total() == 0 ? "" : number(proportion.value()))
                .append(',').append(proportion.count()).append(',').append(proportion.total())
                .append(',').append(number(interval.lower())).append(',').append(number(interval.upper())).append('\n');
    }

    private static void writeProportion(JsonGenerator json, String name, Proportion proportion) throws IOException {
        Proportion.Interval interval = proportion.wilson95();
        json.writeObjectFieldStart(name);
        json.writeNumberField("value", proportion.total() == 0 ? Double.NaN : proportion.value());
        json.writeNumberField("count", proportion.count());
        json.writeNumberField("total", proportion.total());
        json.writeNumberField("lower95", interval.lower());
        json.writeNumberField("upper95", interval.upper());
        json.writeEndObject();
    }

    /** Returns {@code value} as text, empty for NaN. */
    private static String number(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }

    /** Formats a proportion as "37/50 = 74.0% (95% CI 60.4–84.1%)". */
    static String formatProportion(Proportion proportion) {
        if (proportion.total() == 0) {
            return "0/0 (no prompts judged)";
        }
        Proportion.Interval interval = proportion.wilson95();
        return String.format(Locale.ROOT, "%d/%d = %.1f%% (95%% CI %.1f–%.1f%%)", proportion.count(), proportion.total(),
                100 * proportion.value(), 100 * interval.lower(), 100 * interval.upper());
    }

    private static String formatScore(double score) {
        return Double.isNaN(score) ? "–" : String.format(Locale.ROOT, "%.3f", score);
    }

    private static Label header(String text) {
        Label label = new Label(text);
        label.setStyle("-fx-font-weight: bold;");
        return label;
    }

    private static Label valueLabel(String id) {
        Label label = new Label();
        label.setId(id);
        return label;
    }

    /** Lays out the before and after ASR bars with their intervals as SVG in a 640 x 420 frame. */
    private static final class AsrSvg {

        private static final double WIDTH = DEFAULT_EXPORT_WIDTH;
        private static final double HEIGHT = DEFAULT_EXPORT_HEIGHT;
        private static final double LEFT = 70;
        private static final double TOP = 40;
        private static final double PLOT_WIDTH = 400;
        private static final double PLOT_HEIGHT = 260;
        private static final Color[] COLORS = {new Color(0xC4, 0x4E, 0x52), new Color(0x4C, 0x72, 0xB0)};

        private AsrSvg() {}

        static String render(EditSummary summary) {
            StringBuilder svg = new StringBuilder(FigureFiles.svgHeader(WIDTH, HEIGHT, "Attack success rate (95% Wilson interval)"));
            svg.append(String.format(Locale.ROOT, "<rect class=\"background\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>%n",
                    WIDTH, HEIGHT));
            svg.append(FigureFiles.svgText(WIDTH / 2, 22, "middle", "Attack success rate (95% Wilson interval)"));
            svg.append(axisLine(LEFT, TOP, LEFT, TOP + PLOT_HEIGHT)).append(axisLine(LEFT, TOP + PLOT_HEIGHT, LEFT + PLOT_WIDTH,
                    TOP + PLOT_HEIGHT));
            for (int percent = 0; percent <= 100; percent += 20) {
                double y = y(percent / 100.0);
                svg.append(axisLine(LEFT - 4, y, LEFT, y));
                svg.append(FigureFiles.svgText(LEFT - 6, y + 4, "end", percent + "%"));
            }
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"16\" y=\"%.2f\" transform=\"rotate(-90 16 %.2f)\" text-anchor=\"middle\" "
                            + "font-family=\"sans-serif\" font-size=\"11\">Attack success rate</text>%n",
                    TOP + PLOT_HEIGHT / 2, TOP + PLOT_HEIGHT / 2));

            Proportion[] bars = {summary.asrBefore(), summary.asrAfter()};
            String[] names = {BEFORE, AFTER};
            double barWidth = PLOT_WIDTH / 5;
            for (int bar = 0; bar < bars.length; bar++) {
                double centre = LEFT + PLOT_WIDTH * (bar == 0 ? 0.3 : 0.7);
                Proportion proportion = bars[bar];
                double value = proportion.total() == 0 ? 0 : proportion.value();
                svg.append(String.format(Locale.ROOT,
                        "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>%n",
                        centre - barWidth / 2, y(value), barWidth, y(0) - y(value), FigureFiles.hex(COLORS[bar])));
                Proportion.Interval interval = proportion.wilson95();
                if (proportion.total() > 0) {
                    svg.append(String.format(Locale.ROOT,
                            "<line class=\"interval\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#222222\" stroke-width=\"1.5\"/>%n",
                            centre, y(interval.lower()), centre, y(interval.upper())));
                }
                String label = proportion.total() == 0 ? "no prompts" : String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]",
                        100 * proportion.value(), 100 * interval.lower(), 100 * interval.upper());
                svg.append(FigureFiles.svgText(centre, y(Math.max(value, proportion.total() == 0 ? 0 : interval.upper())) - 6,
                        "middle", label));
                svg.append(FigureFiles.svgText(centre, TOP + PLOT_HEIGHT + 16, "middle", names[bar]));
            }

            double textY = TOP + PLOT_HEIGHT + 44;
            svg.append(FigureFiles.svgText(LEFT, textY, "start", "Over-refusal: " + formatProportion(summary.overRefusalBefore())
                    + " before, " + formatProportion(summary.overRefusalAfter()) + " after"));
            svg.append(FigureFiles.svgText(LEFT, textY + 18, "start", "Benign ROUGE-L F1: " + formatScore(summary.rougeLBefore())
                    + " before, " + formatScore(summary.rougeLAfter()) + " after"));
            svg.append(FigureFiles.svgText(LEFT, textY + 36, "start", String.format(Locale.ROOT,
                    "%d edit steps, %.1f s wall time", summary.steps(), summary.wallSeconds())));
            return svg.append(FigureFiles.svgFooter()).toString();
        }

        private static double y(double rate) {
            return TOP + PLOT_HEIGHT * (1 - rate);
        }

        private static String axisLine(double x1, double y1, double x2, double y2) {
            return String.format(Locale.ROOT,
                    "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555555\"/>%n",
                    x1, y1, x2, y2);
        }
    }

    /** Item label "74.0% [60.4, 84.1]" from the summary that the bar was drawn from. */
    private final class WilsonLabelGenerator implements CategoryItemLabelGenerator {

        @Override
        public String generateRowLabel(CategoryDataset data, int row) {
            return data.getRowKey(row).toString();
        }

        @Override
        public String generateColumnLabel(CategoryDataset data, int column) {
            return data.getColumnKey(column).toString();
        }

        @Override
        public String generateLabel(CategoryDataset data, int row, int column) {
            if (summary == null) {
                return null;
            }
            Proportion proportion = BEFORE.equals(data.getRowKey(row)) ? summary.asrBefore() : summary.asrAfter();
            if (proportion.total() == 0) {
                return "no prompts";
            }
            Proportion.Interval interval = proportion.wilson95();
            return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * proportion.value(), 100 * interval.lower(),
                    100 * interval.upper());
        }
    }
}
