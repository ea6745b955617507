package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonGenerator;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.MenuButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * Per-layer scores of a locate run: the combined layer score as bars and its three components as
 * lines. Every series is divided by its largest magnitude, so they share one axis from -1 to 1
 * (only the logit-lens margin can be negative). Layers that hold suggested hot spots get a
 * different bar colour and a shaded band.
 */
public final class PathwayChartView extends BorderPane {

    static final String COMBINED = "Combined layer score";
    static final String HIDDEN_DIFFERENCE = "Hidden-state difference";
    static final String GRADIENT = "Gradient norm (down_proj)";
    static final String LOGIT_LENS = "Logit-lens unsafe margin";

    private static final Color BAR_COLOR = new Color(0x4C, 0x72, 0xB0);
    private static final Color HIGHLIGHT_BAR_COLOR = new Color(0xDD, 0x84, 0x52);
    private static final Color HIGHLIGHT_BAND_COLOR = new Color(0xDD, 0x84, 0x52, 0x30);

    private final XYSeriesCollection barData = new XYSeriesCollection();
    private final XYSeriesCollection lineData = new XYSeriesCollection();
    private final HighlightingBarRenderer barRenderer = new HighlightingBarRenderer();
    private final TextTitle highlightNote = new TextTitle("", new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    private static final int DEFAULT_EXPORT_WIDTH = 800;
    private static final int DEFAULT_EXPORT_HEIGHT = 480;

    private final XYPlot plot;
    private final JFreeChart chart;
    private final ChartViewer viewer;
    private Set<Integer> highlightedLayers = Set.of();
    private LocateResult result;

    public PathwayChartView() {
        NumberAxis layerAxis = new NumberAxis("Decoder layer");
        layerAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        layerAxis.setAutoRangeIncludesZero(false);
        NumberAxis scoreAxis = new NumberAxis("Score / max |score|");

        barRenderer.setBarPainter(new StandardXYBarPainter());
        barRenderer.setShadowVisible(false);
        barRenderer.setMargin(0.25);
        barRenderer.setSeriesPaint(0, BAR_COLOR);

        XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, true);
        lineRenderer.setSeriesPaint(0, new Color(0x55, 0xA8, 0x68));
        lineRenderer.setSeriesPaint(1, new Color(0x81, 0x72, 0xB3));
        lineRenderer.setSeriesPaint(2, new Color(0xC4, 0x4E, 0x52));
        for (int series = 0; series < 3; series++) {
            lineRenderer.setSeriesStroke(series, new BasicStroke(2f));
        }

        plot = new XYPlot(barData, layerAxis, scoreAxis, barRenderer);
        plot.setDataset(1, lineData);
        plot.setRenderer(1, lineRenderer);
        // JFreeChart draws the last dataset first by default, which hid the lines behind the bars.
        plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.FORWARD);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setNoDataMessage("Run Locate to see per-layer scores");

        chart = new JFreeChart("Activation pathway by layer", new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(highlightNote);
        viewer = new ChartViewer(chart);
        setCenter(viewer);

        MenuButton export = FigureFiles.exportMenu(this, "pathway chart", this::requireResult, this::exportPng, this::exportSvg,
                this::exportCsv, this::exportJson);
        export.setId("pathwayExport");
        HBox toolbar = new HBox(export);
        toolbar.setAlignment(Pos.CENTER_RIGHT);
        toolbar.setPadding(new Insets(4, 8, 4, 8));
        setTop(toolbar);
    }

    /** Shows the per-layer scores of {@code result} and highlights the layers of its suggested hot spots. */
    public void setResult(LocateResult result) {
        clear();
        this.result = result;
        int layers = result.layerCount();
        requireLength(result.hiddenDifference(), layers, "hiddenDifference");
        requireLength(result.gradientScore(), layers, "gradientScore");
        requireLength(result.logitLensMargin(), layers, "logitLensMargin");

        TreeSet<Integer> suggestedLayers = result.suggested().stream()
                .map(HotSpot::layer)
                .collect(Collectors.toCollection(TreeSet::new));
        highlightedLayers = Collections.unmodifiableSet(suggestedLayers);
        barRenderer.highlighted = highlightedLayers;
        for (int layer : highlightedLayers) {
            plot.addDomainMarker(new IntervalMarker(layer - 0.5, layer + 0.5, HIGHLIGHT_BAND_COLOR), Layer.BACKGROUND);
        }
        highlightNote.setText(highlightedLayers.isEmpty()
                ? "No hot spots suggested"
                : "Orange: layers with suggested hot spots " + highlightedLayers);

        barData.addSeries(toSeries(COMBINED, result.layerScore()));
        lineData.addSeries(toSeries(HIDDEN_DIFFERENCE, result.hiddenDifference()));
        lineData.addSeries(toSeries(GRADIENT, result.gradientScore()));
        lineData.addSeries(toSeries(LOGIT_LENS, result.logitLensMargin()));
    }

    /** Removes all data, so the chart shows a hint to run Locate. */
    public void clear() {
        result = null;
        barData.removeAllSeries();
        lineData.removeAllSeries();
        plot.clearDomainMarkers();
        highlightedLayers = Set.of();
        barRenderer.highlighted = highlightedLayers;
        highlightNote.setText("");
    }

    /** Returns the layers drawn highlighted, ascending. */
    public Set<Integer> highlightedLayers() {
        return highlightedLayers;
    }

    /** Returns the plotted, normalised values of the series named {@code seriesName}, by layer. */
    double[] plottedValues(String seriesName) {
        XYSeriesCollection source = COMBINED.equals(seriesName) ? barData : lineData;
        XYSeries series = source.getSeries(seriesName);
        double[] values = new double[series.getItemCount()];
        for (int item = 0; item < values.length; item++) {
            values[item] = series.getY(item).doubleValue();
        }
        return values;
    }

    /**
     * Writes the chart as a PNG at the viewer's size in pixels, or 800 x 480 before it is laid out.
     * Call on the JavaFX thread, because the viewer may redraw the same chart there.
     */
    public void exportPng(Path target) throws IOException {
        requireResult();
        int width = viewer.getWidth() >= 1 ? (int) viewer.getWidth() : DEFAULT_EXPORT_WIDTH;
        int height = viewer.getHeight() >= 1 ? (int) viewer.getHeight() : DEFAULT_EXPORT_HEIGHT;
        FigureFiles.writeAtomically(target, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
    }

    /**
     * Writes the chart as an 800 x 480 SVG: one {@code rect class="bar"} per layer for the combined
     * score, one {@code polyline} per component, axis lines, ticks and labels. Values are the plotted,
     * normalised ones.
     */
    public void exportSvg(Path target) throws IOException {
        LocateResult shown = requireResult();
        FigureFiles.writeText(target, new PathwaySvg(shown.layerCount(), highlightedLayers).render(
                plottedValues(COMBINED), List.of(plottedValues(HIDDEN_DIFFERENCE), plottedValues(GRADIENT),
                        plottedValues(LOGIT_LENS))));
    }

    /**
     * Writes one CSV line per layer with the raw, unnormalised scores:
     * {@code layer,combined,hidden_difference,gradient_norm,logit_lens_margin,suggested}.
     */
    public void exportCsv(Path target) throws IOException {
        LocateResult shown = requireResult();
        StringBuilder csv = new StringBuilder("layer,combined,hidden_difference,gradient_norm,logit_lens_margin,suggested\n");
        for (int layer = 0; layer < shown.layerCount(); layer++) {
            csv.append(layer).append(',').append(shown.layerScore()[layer])
                    .append(',').append(shown.hiddenDifference()[layer])
                    .append(',').append(shown.gradientScore()[layer])
                    .append(',').append(shown.logitLensMargin()[layer])
                    .append(',').append(highlightedLayers.contains(layer)).append('\n');
        }
        FigureFiles.writeText(target, csv.toString());
    }

    /**
     * Writes {@code {"layers": L, "suggestedLayers": [...], "raw": {series: [L]}, "normalised": {series: [L]}}}
     * with the series keys {@code combined, hiddenDifference, gradientNorm, logitLensMargin}.
     */
    public void exportJson(Path target) throws IOException {
        LocateResult shown = requireResult();
        FigureFiles.writeJson(target, json -> {
            json.writeStartObject();
            json.writeNumberField("layers", shown.layerCount());
            json.writeArrayFieldStart("suggestedLayers");
            for (int layer : highlightedLayers) {
                json.writeNumber(layer);
            }
            json.writeEndArray();
            json.writeObjectFieldStart("raw");
            writeSeries(json, "combined", shown.layerScore());
            writeSeries(json, "hiddenDifference", shown.hiddenDifference());
            writeSeries(json, "gradientNorm", shown.gradientScore());
            writeSeries(json, "logitLensMargin", shown.logitLensMargin());
            json.writeEndObject();
            json.writeObjectFieldStart("normalised");
            writeSeries(json, "combined", plottedValues(COMBINED));
            writeSeries(json, "hiddenDifference", plottedValues(HIDDEN_DIFFERENCE));
            writeSeries(json, "gradientNorm", plottedValues(GRADIENT));
            writeSeries(json, "logitLensMargin", plottedValues(LOGIT_LENS));
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    private static void writeSeries(JsonGenerator json, String name, double[] values)
            throws IOException {
        json.writeArrayFieldStart(name);
        for (double value : values) {
            json.writeNumber(value);
        }
        json.writeEndArray();
    }

    private LocateResult requireResult() {
        if (result == null) {
            throw new IllegalStateException("The pathway chart has no data to export. Run Locate first.");
        }
        return result;
    }

    /**
     * Returns {@code values} divided by their largest magnitude, so the result lies in [-1, 1].
     * An all-zero input stays zero. NaN entries stay NaN and do not count towards the maximum.
     */
    static double[] normaliseToMaxMagnitude(double[] values) {
        double max = Arrays.stream(values).filter(value -> !Double.isNaN(value)).map(Math::abs).max().orElse(0);
        if (max == 0 || Double.isInfinite(max)) {
            return values.clone();
        }
        return Arrays.stream(values).map(value -> value / max).toArray();
    }

    private static XYSeries toSeries(String name, double[] values) {
        XYSeries series = new XYSeries(name, true, false);
        double[] normalised = normaliseToMaxMagnitude(values);
        for (int layer = 0; layer < normalised.length; layer++) {
            series.add(layer, normalised[layer]);
        }
        return series;
    }

    private static void requireLength(double[] values, int layers, String name) {
        if (values.length != layers) {
            throw new IllegalArgumentException("Locate result has " + layers + " layer scores but "
                    + values.length + " values of " + name);
        }
    }

    /** Lays out the pathway chart as SVG in a fixed 800 x 480 frame, y from -1 or 0 up to 1. */
    private static final class PathwaySvg {

        private static final double WIDTH = DEFAULT_EXPORT_WIDTH;
        private static final double HEIGHT = DEFAULT_EXPORT_HEIGHT;
        private static final double LEFT = 70;
        private static final double RIGHT = 20;
        private static final double TOP = 40;
        private static final double BOTTOM = 90;
        private static final Color[] LINE_COLORS = {
            new Color(0x55, 0xA8, 0x68), new Color(0x81, 0x72, 0xB3), new Color(0xC4, 0x4E, 0x52)};
        private static final String[] LINE_NAMES = {HIDDEN_DIFFERENCE, GRADIENT, LOGIT_LENS};

        private final int layers;
        private final Set<Integer> highlighted;
        private double yMin;

        PathwaySvg(int layers, Set<Integer> highlighted) {
            this.layers = layers;
            this.highlighted = highlighted;
        }

        String render(double[] combined, List<double[]> components) {
            List<double[]> all = new ArrayList<>(components);
            all.add(combined);
            boolean negative = all.stream().flatMapToDouble(Arrays::stream).anyMatch(value -> value < 0);
            yMin = negative ? -1 : 0;

            StringBuilder svg = new StringBuilder(FigureFiles.svgHeader(WIDTH, HEIGHT, "Activation pathway by layer"));
            svg.append(String.format(Locale.ROOT, "<rect class=\"background\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>%n",
                    WIDTH, HEIGHT));
            appendAxes(svg);

            double slot = plotWidth() / Math.max(1, layers);
            for (int layer = 0; layer < combined.length; layer++) {
                if (!Double.isFinite(combined[layer])) {
                    continue;
                }
                double top = y(Math.max(0, combined[layer]));
                double bottom = y(Math.min(0, combined[layer]));
                svg.append(String.format(Locale.ROOT,
                        "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>%n",
                        x(layer) - slot * 0.375, top, slot * 0.75, bottom - top,
                        FigureFiles.hex(highlighted.contains(layer) ? HIGHLIGHT_BAR_COLOR : BAR_COLOR)));
            }
            for (int series = 0; series < components.size(); series++) {
                StringBuilder points = new StringBuilder();
                double[] values = components.get(series);
                for (int layer = 0; layer < values.length; layer++) {
                    if (Double.isFinite(values[layer])) {
                        points.append(String.format(Locale.ROOT, "%.2f,%.2f ", x(layer), y(values[layer])));
                    }
                }
                svg.append(String.format(Locale.ROOT,
                        "<polyline class=\"series\" points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"><title>%s</title></polyline>%n",
                        points.toString().trim(), FigureFiles.hex(LINE_COLORS[series]),
                        FigureFiles.escapeXml(LINE_NAMES[series])));
            }
            appendLegend(svg);
            return svg.append(FigureFiles.svgFooter()).toString();
        }

        private void appendAxes(StringBuilder svg) {
            double x0 = LEFT;
            double y0 = TOP + plotHeight();
            svg.append(line("axis", x0, TOP, x0, y0)).append(line("axis", x0, y(0), x0 + plotWidth(), y(0)));
            for (double tick = yMin; tick <= 1.0001; tick += 0.5) {
                svg.append(line("tick", x0 - 4, y(tick), x0, y(tick)));
                svg.append(FigureFiles.svgText(x0 - 6, y(tick) + 4, "end", String.format(Locale.ROOT, "%.1f", tick)));
            }
            int step = Math.max(1, (int) Math.ceil(layers / 20.0));
            for (int layer = 0; layer < layers; layer += step) {
                svg.append(FigureFiles.svgText(x(layer), y0 + 16, "middle", Integer.toString(layer)));
            }
            svg.append(FigureFiles.svgText(LEFT + plotWidth() / 2, y0 + 34, "middle", "Decoder layer"));
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"16\" y=\"%.2f\" transform=\"rotate(-90 16 %.2f)\" text-anchor=\"middle\" "
                            + "font-family=\"sans-serif\" font-size=\"11\">Score / max |score|</text>%n",
                    TOP + plotHeight() / 2, TOP + plotHeight() / 2));
            svg.append(FigureFiles.svgText(WIDTH / 2, 22, "middle", "Activation pathway by layer"));
        }

        private void appendLegend(StringBuilder svg) {
            double legendY = HEIGHT - 24;
            double legendX = LEFT;
            svg.append(String.format(Locale.ROOT, "<rect class=\"legend\" x=\"%.2f\" y=\"%.2f\" width=\"12\" height=\"8\" fill=\"%s\"/>%n",
                    legendX, legendY - 8, FigureFiles.hex(BAR_COLOR)));
            svg.append(FigureFiles.svgText(legendX + 16, legendY, "start", COMBINED));
            for (int series = 0; series < LINE_NAMES.length; series++) {
                legendX += 170;
                svg.append(String.format(Locale.ROOT,
                        "<polyline class=\"legend\" points=\"%.2f,%.2f %.2f,%.2f\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        legendX, legendY - 4, legendX + 12, legendY - 4, FigureFiles.hex(LINE_COLORS[series])));
                svg.append(FigureFiles.svgText(legendX + 16, legendY, "start", LINE_NAMES[series]));
            }
        }

        private static String line(String cssClass, double x1, double y1, double x2, double y2) {
            return String.format(Locale.ROOT,
                    "<line class=\"%s\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555555\"/>%n",
                    cssClass, x1, y1, x2, y2);
        }

        private double plotWidth() {
            return WIDTH - LEFT - RIGHT;
        }

        private double plotHeight() {
            return HEIGHT - TOP - BOTTOM;
        }

        private double x(int layer) {
            return LEFT + (layer + 0.5) * plotWidth() / Math.max(1, layers);
        }

        private double y(double value) {
            return TOP + plotHeight() * (1 - (value - yMin) / (1 - yMin));
        }
    }

    /** Bar renderer that paints the bars of highlighted layers in the highlight colour. */
    private static final class HighlightingBarRenderer extends XYBarRenderer {

        private Set<Integer> highlighted = Set.of();

        @Override
        public Paint getItemPaint(int series, int item) {
            // Items are added in layer order from 0, so the item index is the layer.
            return highlighted.contains(item) ? HIGHLIGHT_BAR_COLOR : super.getItemPaint(series, item);
        }
    }
}
