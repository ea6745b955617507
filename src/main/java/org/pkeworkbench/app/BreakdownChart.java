package org.pkeworkbench.app;

import java.awt.Color;
import java.awt.Font;
import java.text.NumberFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Before and after bars per prompt set and per harm category: the ASR of all attack prompts, the
 * ASR of each harm category of the eval set, and the over-refusal on the benign prompts.
 */
final class BreakdownChart {

    /** Column of the ASR over every attack prompt. */
    static final String ALL_ATTACKS = "All attack prompts";
    /** Column of the over-refusal on the benign prompts. */
    static final String BENIGN = "Benign: over-refusal";

    private final DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    private final JFreeChart chart;

    BreakdownChart() {
        NumberAxis rateAxis = new NumberAxis("Share of prompts");
        rateAxis.setRange(0, 1.05);
        rateAxis.setTickUnit(new NumberTickUnit(0.2, NumberFormat.getPercentInstance(Locale.ROOT)));

        BarRenderer renderer = beforeAfterRenderer();

        CategoryAxis columns = new CategoryAxis(null);
        columns.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        columns.setMaximumCategoryLabelLines(2);
        CategoryPlot plot = new CategoryPlot(dataset, columns, rateAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setNoDataMessage("Run an edit to see the rates per prompt set and harm category");

        chart = new JFreeChart("By prompt set and harm category", new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
    }

    /** Returns flat bars without shadows, red for the first series (before) and blue for the second (after). */
    static BarRenderer beforeAfterRenderer() {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setSeriesPaint(0, new Color(0xC4, 0x4E, 0x52));
        renderer.setSeriesPaint(1, new Color(0x4C, 0x72, 0xB0));
        return renderer;
    }

    JFreeChart chart() {
        return chart;
    }

    /** Plots {@code summary}, or nothing when it is null. */
    void setSummary(EditSummary summary) {
        dataset.clear();
        if (summary == null) {
            return;
        }
        for (Map.Entry<String, Proportion[]> column : columns(summary).entrySet()) {
            dataset.addValue(value(column.getValue()[0]), AsrChartView.BEFORE, column.getKey());
            dataset.addValue(value(column.getValue()[1]), AsrChartView.AFTER, column.getKey());
        }
    }

    /**
     * Returns the chart's columns in order, each with its before and after proportion: all attack prompts,
     * one column per harm category ("ASR: " and the category), and the benign prompts.
     */
    static Map<String, Proportion[]> columns(EditSummary summary) {
        Map<String, Proportion[]> columns = new LinkedHashMap<>();
        columns.put(ALL_ATTACKS, new Proportion[] {summary.asrBefore(), summary.asrAfter()});
        for (String category : summary.asrByCategoryBefore().keySet()) {
            columns.put("ASR: " + category, new Proportion[] {summary.asrByCategoryBefore().get(category),
                    summary.asrByCategoryAfter().get(category)});
        }
        columns.put(BENIGN, new Proportion[] {summary.overRefusalBefore(), summary.overRefusalAfter()});
        return columns;
    }

    /** Returns the plotted value of {@code series} ({@link AsrChartView#BEFORE} or AFTER) in {@code column}. */
    Optional<Double> plotted(String series, String column) {
        if (dataset.getRowIndex(series) < 0 || dataset.getColumnIndex(column) < 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(dataset.getValue(series, column)).map(Number::doubleValue);
    }

    /** Returns the number of plotted columns, 0 when empty. */
    int columnCount() {
        return dataset.getColumnCount();
    }

    private static double value(Proportion proportion) {
        return proportion.total() == 0 ? 0 : proportion.value();
    }
}
