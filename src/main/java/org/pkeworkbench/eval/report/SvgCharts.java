package org.pkeworkbench.eval.report;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Inline SVG charts drawn in Java, with no script. Bars carry their value in a {@code data-value}
 * attribute, and a bar's height in pixels is {@code value / max * PLOT_HEIGHT_PX}.
 */
final class SvgCharts {

    /** Height of a chart's plot area in pixels, the height of a bar whose value equals the axis maximum. */
    static final double PLOT_HEIGHT_PX = 200;

    private static final String[] COLORS = {"#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
            "#da8bc3", "#8c8c8c"};
    private static final double LEFT_PX = 56;
    private static final double TOP_PX = 30;
    private static final double BOTTOM_PX = 56;
    private static final double BAR_WIDTH_PX = 26;
    private static final double GROUP_GAP_PX = 28;
    private static final double LINE_WIDTH_PX = 560;

    private SvgCharts() {}

    /**
     * One bar: its series name, value, and interval bounds (NaN for none). A NaN value draws no bar
     * and is labelled "n/a".
     */
    record Bar(String series, double value, double lower, double upper) {

        static Bar of(String series, ReportedRate rate) {
            return new Bar(series, rate.rate(), rate.lower(), rate.upper());
        }

        static Bar missing(String series) {
            return new Bar(series, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    /** A group of bars drawn side by side under one label. */
    record Group(String label, List<Bar> bars) {}

    /** A line of a line chart: one y value per x (NaN leaves a gap). */
    record Line(String name, double[] values) {}

    /**
     * Draws grouped vertical bars with optional interval whiskers.
     *
     * @param title chart title
     * @param series series names in bar order, for colors and the legend
     * @param groups groups of bars, each bar matched to its series by name
     * @param max value at the top of the y axis, such as 1 for rates or 100 for SafeEdit scores
     * @param format formats a value for axis ticks and tooltips
     */
    static String groupedBars(String title, List<String> series, List<Group> groups, double max,
            DoubleFunction<String> format) {
        double groupWidth = series.size() * BAR_WIDTH_PX + GROUP_GAP_PX;
        double width = LEFT_PX + Math.max(groups.size(), 1) * groupWidth + 20;
        width = Math.max(width, 320);
        double height = TOP_PX + PLOT_HEIGHT_PX + BOTTOM_PX + 24;
        StringBuilder svg = open(width, height, title);
        yAxis(svg, width, max, format);

        for (int g = 0; g < groups.size(); g++) {
            Group group = groups.get(g);
            double groupLeft = LEFT_PX + g * groupWidth + GROUP_GAP_PX / 2;
            for (Bar bar : group.bars()) {
                int index = Math.max(series.indexOf(bar.series()), 0);
                double x = groupLeft + index * BAR_WIDTH_PX;
                drawBar(svg, group.label(), bar, index, x, max, format);
            }
            double center = groupLeft + series.size() * BAR_WIDTH_PX / 2;
            svg.append("<text class=\"group-label\" x=\"").append(Html.px(center)).append("\" y=\"")
                    .append(Html.px(TOP_PX + PLOT_HEIGHT_PX + 16)).append("\" text-anchor=\"middle\">")
                    .append(Html.escape(group.label())).append("</text>\n");
        }

        legend(svg, series, TOP_PX + PLOT_HEIGHT_PX + 36);
        return svg.append("</svg>\n").toString();
    }

    private static void drawBar(StringBuilder svg, String group, Bar bar, int seriesIndex, double x, double max,
            DoubleFunction<String> format) {
        double baseline = TOP_PX + PLOT_HEIGHT_PX;
        String label = group + ", " + bar.series() + ": " + (Double.isNaN(bar.value()) ? "n/a" : format.apply(bar.value()));
        if (Double.isNaN(bar.value())) {
            svg.append("<text class=\"na\" x=\"").append(Html.px(x + BAR_WIDTH_PX / 2)).append("\" y=\"")
                    .append(Html.px(baseline - 4)).append("\" text-anchor=\"middle\">n/a</text>\n");
            return;
        }
        double barHeight = scale(bar.value(), max);
        svg.append("<rect class=\"bar\" data-series=\"").append(Html.escape(bar.series()))
                .append("\" data-group=\"").append(Html.escape(group))
                .append("\" data-value=\"").append(bar.value())
                .append("\" x=\"").append(Html.px(x + 2)).append("\" y=\"").append(Html.px(baseline - barHeight))
                .append("\" width=\"").append(Html.px(BAR_WIDTH_PX - 4)).append("\" height=\"").append(Html.px(barHeight))
                .append("\" fill=\"").append(color(seriesIndex)).append("\"><title>").append(Html.escape(label))
                .append("</title></rect>\n");

        if (!Double.isNaN(bar.lower()) && !Double.isNaN(bar.upper())) {
            double center = x + BAR_WIDTH_PX / 2;
            double top = baseline - scale(bar.upper(), max);
            double bottom = baseline - scale(bar.lower(), max);
            svg.append("<path class=\"interval\" d=\"M").append(Html.px(center)).append(' ').append(Html.px(top))
                    .append(" V").append(Html.px(bottom))
                    .append(" M").append(Html.px(center - 5)).append(' ').append(Html.px(top)).append(" H").append(Html.px(center + 5))
                    .append(" M").append(Html.px(center - 5)).append(' ').append(Html.px(bottom)).append(" H").append(Html.px(center + 5))
                    .append("\" stroke=\"#222\" fill=\"none\"/>\n");
        }
    }

    /**
     * Draws lines over a shared x axis, with the y axis from min(0, smallest value) to the largest value.
     *
     * @param x the x values, ascending
     * @param lines lines with one value per x
     */
    static String lines(String title, String xLabel, double[] x, List<Line> lines) {
        double yMin = 0;
        double yMax = 0;
        for (Line line : lines) {
            for (double v : line.values()) {
                if (Double.isFinite(v)) {
                    yMin = Math.min(yMin, v);
                    yMax = Math.max(yMax, v);
                }
            }
        }
        if (yMax <= yMin) {
            yMax = yMin + 1;
        }
        double xMin = x.length == 0 ? 0 : x[0];
        double xMax = x.length == 0 ? 1 : x[x.length - 1];
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        double width = LEFT_PX + LINE_WIDTH_PX + 20;
        double height = TOP_PX + PLOT_HEIGHT_PX + BOTTOM_PX + 24;
        StringBuilder svg = open(width, height, title);
        double baseline = TOP_PX + PLOT_HEIGHT_PX;

        for (int tick = 0; tick <= 4; tick++) {
            double value = yMin + (yMax - yMin) * tick / 4;
            double y = baseline - PLOT_HEIGHT_PX * tick / 4;
            gridLine(svg, width, y, Html.number(value));
        }
        for (int tick = 0; tick <= 4; tick++) {
            double value = xMin + (xMax - xMin) * tick / 4;
            svg.append("<text class=\"tick\" x=\"").append(Html.px(LEFT_PX + LINE_WIDTH_PX * tick / 4))
                    .append("\" y=\"").append(Html.px(baseline + 14)).append("\" text-anchor=\"middle\">")
                    .append(Html.escape(Html.number(value))).append("</text>\n");
        }
        svg.append("<text class=\"axis-label\" x=\"").append(Html.px(LEFT_PX + LINE_WIDTH_PX / 2)).append("\" y=\"")
                .append(Html.px(baseline + 30)).append("\" text-anchor=\"middle\">").append(Html.escape(xLabel))
                .append("</text>\n");

        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            StringBuilder path = new StringBuilder();
            boolean penDown = false;
            for (int j = 0; j < x.length && j < line.values().length; j++) {
                double v = line.values()[j];
                if (!Double.isFinite(v)) {
                    penDown = false;
                    continue;
                }
                double px = LEFT_PX + (x[j] - xMin) / (xMax - xMin) * LINE_WIDTH_PX;
                double py = baseline - (v - yMin) / (yMax - yMin) * PLOT_HEIGHT_PX;
                path.append(penDown ? " L" : " M").append(Html.px(px)).append(' ').append(Html.px(py));
                penDown = true;
            }
            if (path.length() > 0) {
                svg.append("<path class=\"line\" data-series=\"").append(Html.escape(line.name())).append("\" d=\"")
                        .append(path.toString().trim()).append("\" stroke=\"").append(color(i))
                        .append("\" stroke-width=\"2\" fill=\"none\"><title>").append(Html.escape(line.name()))
                        .append("</title></path>\n");
            }
        }

        legend(svg, lines.stream().map(Line::name).toList(), baseline + 50);
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder open(double width, double height, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"chart\" role=\"img\" width=\"").append(Html.px(width))
                .append("\" height=\"").append(Html.px(height)).append("\" viewBox=\"0 0 ").append(Html.px(width))
                .append(' ').append(Html.px(height)).append("\">\n<title>").append(Html.escape(title)).append("</title>\n");
        svg.append("<text class=\"chart-title\" x=\"").append(Html.px(LEFT_PX)).append("\" y=\"18\">")
                .append(Html.escape(title)).append("</text>\n");
        return svg;
    }

    private static void yAxis(StringBuilder svg, double width, double max, DoubleFunction<String> format) {
        double baseline = TOP_PX + PLOT_HEIGHT_PX;
        for (int tick = 0; tick <= 4; tick++) {
            gridLine(svg, width, baseline - PLOT_HEIGHT_PX * tick / 4, format.apply(max * tick / 4));
        }
    }

    private static void gridLine(StringBuilder svg, double width, double y, String label) {
        svg.append("<line class=\"grid\" x1=\"").append(Html.px(LEFT_PX)).append("\" x2=\"").append(Html.px(width - 10))
                .append("\" y1=\"").append(Html.px(y)).append("\" y2=\"").append(Html.px(y))
                .append("\" stroke=\"#ddd\"/>\n");
        svg.append("<text class=\"tick\" x=\"").append(Html.px(LEFT_PX - 6)).append("\" y=\"").append(Html.px(y + 4))
                .append("\" text-anchor=\"end\">").append(Html.escape(label)).append("</text>\n");
    }

    private static void legend(StringBuilder svg, List<String> names, double y) {
        double x = LEFT_PX;
        for (int i = 0; i < names.size(); i++) {
            svg.append("<rect class=\"legend\" x=\"").append(Html.px(x)).append("\" y=\"").append(Html.px(y - 10))
                    .append("\" width=\"12\" height=\"12\" fill=\"").append(color(i)).append("\"/>");
            svg.append("<text class=\"legend-label\" x=\"").append(Html.px(x + 16)).append("\" y=\"").append(Html.px(y))
                    .append("\">").append(Html.escape(names.get(i))).append("</text>\n");
            x += 28 + 7 * names.get(i).length();
        }
    }

    /** Pixel height of {@code value} on an axis from 0 to {@code max}, clamped to the plot area. */
    private static double scale(double value, double max) {
        double clamped = Math.max(0, Math.min(value, max));
        return max <= 0 ? 0 : clamped / max * PLOT_HEIGHT_PX;
    }

    private static String color(int index) {
        return COLORS[index % COLORS.length];
    }
}
