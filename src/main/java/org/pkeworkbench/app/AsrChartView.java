package org.pkeworkbench.app;

import java.awt.Color;
import java.awt.Font;
import java.text.NumberFormat;
import java.util.Locale;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
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
    private EditSummary summary;

    public AsrChartView() {
        setCenter(new ChartViewer(createChart()));
        setBottom(createMetricsTable());
        clear();
    }

    private JFreeChart createChart() {
        NumberAxis rateAxis = new NumberAxis("Attack success rate");
        rateAxis.setRange(0, 1.08);
        rateAxis.setTickUnit(new NumberTickUnit(0.1, NumberFormat.getPercentInstance(Locale.ROOT)));

        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setSeriesPaint(0, new Color(0xC4, 0x4E, 0x52));
        renderer.setSeriesPaint(1, new Color(0x4C, 0x72, 0xB0));
        renderer.setDefaultItemLabelGenerator(new WilsonLabelGenerator());
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        renderer.setDefaultItemLabelsVisible(true);

        // Wide outer margins keep the two bars of the single category narrow and side by side.
        CategoryAxis categoryAxis = new CategoryAxis(null);
        categoryAxis.setLowerMargin(0.3);
        categoryAxis.setUpperMargin(0.3);
        CategoryPlot plot = new CategoryPlot(dataset, categoryAxis, rateAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setNoDataMessage("Run an edit to see results");

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

    /** Removes the results, so the chart shows a hint to run an edit. */
    public void clear() {
        summary = null;
        dataset.clear();
        for (Label label : new Label[] {asrBeforeLabel, asrAfterLabel, overRefusalBeforeLabel, overRefusalAfterLabel,
                rougeBeforeLabel, rougeAfterLabel}) {
            label.setText("–");
        }
        runLabel.setText("No edit run yet");
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

    /** Returns the text of the ASR label for {@link #BEFORE} or {@link #AFTER}. */
    String asrText(String series) {
        return (BEFORE.equals(series) ? asrBeforeLabel : asrAfterLabel).getText();
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
