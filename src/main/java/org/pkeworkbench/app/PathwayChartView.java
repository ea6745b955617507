package org.pkeworkbench.app;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javafx.scene.layout.BorderPane;
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
    private final XYPlot plot;
    private Set<Integer> highlightedLayers = Set.of();

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
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setNoDataMessage("Run Locate to see per-layer scores");

        JFreeChart chart = new JFreeChart("Activation pathway by layer", new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(highlightNote);
        setCenter(new ChartViewer(chart));
    }

    /** Shows the per-layer scores of {@code result} and highlights the layers of its suggested hot spots. */
    public void setResult(LocateResult result) {
        clear();
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
