package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import javafx.embed.swing.SwingFXUtils;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.image.PixelWriter;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.pkeworkbench.locate.HotSpot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heatmap of per-neuron statistics, one row per decoder layer and one column per neuron, drawn on
 * a {@link Canvas}.
 *
 * <p>The view stores one or more named {@code [layers][neurons]} tables ("statistics") and shows
 * the one chosen in its combo box. The neuron axis can be zoomed (mouse wheel around the cursor,
 * or the "+", "-" and "Reset" buttons) and panned (drag with the middle or secondary button, or
 * with Shift held). When the visible neurons outnumber the plot pixels, neighbouring neurons are
 * merged into one pixel column that shows the largest magnitude among them (see
 * {@link HeatmapGrid}), so a {@code 32 x 14336} matrix is drawn from a {@code 32 x width} image
 * rebuilt on each change of range or size. Moving the mouse over a cell shows
 * "layer L, neuron N, value V" below the plot, where N is the neuron with the largest magnitude
 * in that pixel column. Dragging with the primary button selects layers x neurons and passes
 * them, one {@link HotSpot} per layer, to {@link #setOnRegionSelected}.
 */
public final class NeuronHeatmapView extends BorderPane {

    /** Name under which {@link #setData(float[][])} stores its table. */
    public static final String DEFAULT_STATISTIC = "neuron score";

    private static final Logger LOG = LoggerFactory.getLogger(NeuronHeatmapView.class);

    private static final double LEFT_MARGIN = 44;
    private static final double RIGHT_MARGIN = 12;
    private static final double TOP_MARGIN = 18;
    private static final double BOTTOM_MARGIN = 34;
    private static final double MIN_LABEL_SPACING = 14;
    private static final Color TEXT_COLOR = Color.gray(0.25);
    private static final Font AXIS_FONT = Font.font(11);

    /** Zoom factor of one "+" or "-" press. */
    private static final double BUTTON_ZOOM_FACTOR = 2;
    /** Wheel travel, in pixels of {@link ScrollEvent#getDeltaY()}, that zooms by {@link #BUTTON_ZOOM_FACTOR}. */
    private static final double WHEEL_PIXELS_PER_STEP = 120;
    /** Minimum number of visible neurons after zooming in, unless the matrix has fewer. */
    private static final int MIN_VISIBLE_NEURONS = 4;
    /** Shortest primary-button drag, in pixels, that counts as a region selection rather than a click. */
    private static final double MIN_SELECTION_DRAG = 3;

    private final Canvas canvas = new Canvas();
    private final Canvas legend = new Canvas(180, 12);
    private final Label legendLow = new Label();
    private final Label legendHigh = new Label();
    private final Label rangeLabel = new Label();
    private final CheckBox logScale = new CheckBox("Log scale");
    private final ComboBox<String> statisticChoice = new ComboBox<>();
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");

    private final Map<String, float[][]> statistics = new LinkedHashMap<>();
    private float[][] scores;
    private NeuronRange visibleRange;
    private HeatmapGrid grid;
    private WritableImage image;
    private Consumer<List<HotSpot>> onRegionSelected = hotSpots -> { };

    private double panStartX;
    private NeuronRange panStartRange;
    private Point2D selectionStart;
    private Point2D selectionEnd;

    public NeuronHeatmapView() {
        Pane canvasHolder = new Pane(canvas);
        canvasHolder.setMinSize(0, 0);
        canvasHolder.setPrefSize(640, 320);
        canvas.setId("heatmapCanvas");
        canvas.widthProperty().bind(canvasHolder.widthProperty());
        canvas.heightProperty().bind(canvasHolder.heightProperty());
        canvas.widthProperty().addListener((observable, oldWidth, newWidth) -> redraw());
        canvas.heightProperty().addListener((observable, oldHeight, newHeight) -> redraw());
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, event -> updateHover(event.getX(), event.getY()));
        canvas.addEventHandler(MouseEvent.MOUSE_EXITED, event -> hoverText.set(""));
        canvas.addEventHandler(MouseEvent.MOUSE_PRESSED, this::mousePressed);
        canvas.addEventHandler(MouseEvent.MOUSE_DRAGGED, this::mouseDragged);
        canvas.addEventHandler(MouseEvent.MOUSE_RELEASED, this::mouseReleased);
        canvas.addEventHandler(ScrollEvent.SCROLL, this::scrolled);
        setCenter(canvasHolder);

        logScale.selectedProperty().addListener((observable, wasSelected, isSelected) -> {
            image = null;
            redraw();
        });
        statisticChoice.setId("heatmapStatisticChoice");
        statisticChoice.valueProperty().addListener((observable, oldName, newName) -> showStatistic(newName));
        setTop(createToolbar());
        setBottom(createFooter());
        redraw();
    }

    private HBox createToolbar() {
        statisticChoice.setPromptText("Statistic");
        Button zoomIn = new Button("+");
        zoomIn.setId("heatmapZoomIn");
        zoomIn.setOnAction(event -> zoom(BUTTON_ZOOM_FACTOR, LEFT_MARGIN + plotWidth() / 2));
        Button zoomOut = new Button("-");
        zoomOut.setId("heatmapZoomOut");
        zoomOut.setOnAction(event -> zoom(1 / BUTTON_ZOOM_FACTOR, LEFT_MARGIN + plotWidth() / 2));
        Button reset = new Button("Reset");
        reset.setId("heatmapZoomReset");
        reset.setOnAction(event -> resetZoom());
        rangeLabel.setId("heatmapRangeLabel");

        MenuButton export = FigureFiles.exportMenu(this, "heatmap", this::requireScores, this::exportPng,
                this::exportSvg, this::exportCsv, this::exportJson);
        export.setId("heatmapExport");

        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox toolbar = new HBox(6, new Label("Statistic"), statisticChoice, zoomIn, zoomOut, reset, rangeLabel, spacer, export);
        toolbar.setAlignment(Pos.CENTER_LEFT);
        toolbar.setPadding(new Insets(4, 8, 4, 8));
        return toolbar;
    }

    private HBox createFooter() {
        Label hoverLabel = new Label();
        hoverLabel.setId("heatmapHoverLabel");
        hoverLabel.textProperty().bind(hoverText.getReadOnlyProperty());
        hoverLabel.setMinWidth(Region.USE_PREF_SIZE);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);

        HBox footer = new HBox(8, hoverLabel, spacer, legendLow, legend, legendHigh, logScale);
        footer.setAlignment(Pos.CENTER_LEFT);
        footer.setPadding(new Insets(4, 8, 4, 8));
        return footer;
    }

    /**
     * Shows {@code scores} as the only statistic, named {@link #DEFAULT_STATISTIC}, or clears the
     * view when {@code scores} is null.
     *
     * @param scores {@code [layers][neurons]}, every row the same length
     * @throws IllegalArgumentException if the matrix is empty or ragged
     */
    public void setData(float[][] scores) {
        setStatistics(scores == null ? Map.of() : Map.of(DEFAULT_STATISTIC, scores));
    }

    /**
     * Replaces the statistics the combo box offers, in the map's iteration order. The statistic
     * shown before stays chosen when its name is still present, otherwise the first one is shown.
     * The zoom resets when the neuron count changes.
     *
     * @param tables statistic name to {@code [layers][neurons]} table, every row the same length;
     *     empty clears the view
     * @throws IllegalArgumentException if a table is empty or ragged
     */
    public void setStatistics(Map<String, float[][]> tables) {
        tables.forEach((name, table) -> {
            if (table == null) {
                throw new IllegalArgumentException("Heatmap statistic '" + name + "' has no table. Pass a [layers][neurons] array.");
            }
            try {
                HeatmapGrid.aggregate(table, 1);
            } catch (IllegalArgumentException invalid) {
                throw new IllegalArgumentException("Invalid heatmap statistic '" + name + "': " + invalid.getMessage(), invalid);
            }
        });
        String previous = statisticChoice.getValue();
        statistics.clear();
        statistics.putAll(tables);
        statisticChoice.getItems().setAll(statistics.keySet());

        String chosen = statistics.containsKey(previous) ? previous : statistics.keySet().stream().findFirst().orElse(null);
        if (Objects.equals(chosen, statisticChoice.getValue())) {
            showStatistic(chosen);
        } else {
            statisticChoice.setValue(chosen);
        }
    }

    /** Shows the statistic named {@code name}, which must be one of {@link #statisticNames()}. */
    public void selectStatistic(String name) {
        if (!statistics.containsKey(name)) {
            throw new IllegalArgumentException("Unknown heatmap statistic '" + name + "'. Choose one of " + statistics.keySet());
        }
        statisticChoice.setValue(name);
    }

    /** Returns the statistic names in combo box order. */
    public List<String> statisticNames() {
        return List.copyOf(statistics.keySet());
    }

    /** Returns the name of the statistic shown, empty when there is none. */
    public Optional<String> selectedStatistic() {
        return Optional.ofNullable(statisticChoice.getValue());
    }

    private void showStatistic(String name) {
        float[][] table = name == null ? null : statistics.get(name);
        int oldNeurons = scores == null ? -1 : scores[0].length;
        scores = table;
        if (table == null || table[0].length != oldNeurons) {
            visibleRange = table == null ? null : new NeuronRange(0, table[0].length);
        }
        grid = null;
        image = null;
        hoverText.set("");
        redraw();
    }

    /** Sets the receiver of primary-button region selections: one hot spot per selected layer. */
    public void setOnRegionSelected(Consumer<List<HotSpot>> receiver) {
        onRegionSelected = receiver == null ? hotSpots -> { } : receiver;
    }

    /** Returns the neurons on screen, empty when there is no data. */
    public Optional<NeuronRange> visibleNeuronRange() {
        return Optional.ofNullable(visibleRange);
    }

    /**
     * Zooms the neuron axis by {@code factor} (above 1 zooms in) keeping the neuron under canvas
     * coordinate {@code anchorX} in place. The visible range never shrinks below
     * {@value #MIN_VISIBLE_NEURONS} neurons nor grows beyond the matrix.
     */
    public void zoom(double factor, double anchorX) {
        if (scores == null || plotWidth() < 1) {
            return;
        }
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("Zoom factor must be a positive finite number, got " + factor);
        }
        int total = scores[0].length;
        int span = visibleRange.size();
        int newSpan = (int) Math.round(span / factor);
        if (factor > 1 && newSpan == span) {
            newSpan = span - 1;
        } else if (factor < 1 && newSpan == span) {
            newSpan = span + 1;
        }
        newSpan = Math.max(Math.min(MIN_VISIBLE_NEURONS, total), Math.min(total, newSpan));

        double anchorFraction = Math.max(0, Math.min(1, (anchorX - LEFT_MARGIN) / plotWidth()));
        double anchorNeuron = visibleRange.start() + anchorFraction * span;
        int newStart = (int) Math.round(anchorNeuron - anchorFraction * newSpan);
        setVisibleRange(newStart, newSpan);
    }

    /** Shows every neuron again. */
    public void resetZoom() {
        if (scores != null) {
            setVisibleRange(0, scores[0].length);
        }
    }

    /** Moves the visible range to start near {@code start}, clamped into the matrix, keeping {@code span} neurons. */
    private void setVisibleRange(int start, int span) {
        int total = scores[0].length;
        int clampedStart = Math.max(0, Math.min(total - span, start));
        NeuronRange range = new NeuronRange(clampedStart, clampedStart + span);
        if (!range.equals(visibleRange)) {
            visibleRange = range;
            grid = null;
            image = null;
            redraw();
        }
    }

    /** Returns the text of the hover label, empty when the mouse is not over a cell. */
    public String hoverText() {
        return hoverText.get();
    }

    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    /** Returns true when colours follow the logarithm of the magnitude, over three decades. */
    public boolean isLogScale() {
        return logScale.isSelected();
    }

    public void setLogScale(boolean logarithmic) {
        logScale.setSelected(logarithmic);
    }

    /** Writes a snapshot of the canvas, at its size in pixels, as a PNG. Call on the JavaFX thread. */
    public void exportPng(Path target) throws IOException {
        WritableImage snapshot = canvas.snapshot(null, null);
        HeatmapExport.writePng(SwingFXUtils.fromFXImage(snapshot, null), target);
    }

    /** Writes the drawn cells as SVG, one {@code rect} per layer and pixel column. Call on the JavaFX thread. */
    public void exportSvg(Path target) throws IOException {
        HeatmapGrid drawn = requireGrid();
        Rectangle2D plot = new Rectangle2D(LEFT_MARGIN, TOP_MARGIN, plotWidth(), plotHeight());
        String title = selectedStatistic().orElse("") + ", neurons " + drawn.range();
        HeatmapExport.writeSvg(drawn, new ColorScale(drawn.maxMagnitude(), logScale.isSelected()), plot,
                canvas.getWidth(), canvas.getHeight(), title, target);
    }

    /** Writes every score of the shown statistic, zoom ignored, as CSV lines {@code layer,neuron,value}. */
    public void exportCsv(Path target) throws IOException {
        HeatmapExport.writeCsv(requireScores(), target);
    }

    /** Writes the shown statistic, zoom ignored, as JSON with its name and {@code [layers][neurons]} values. */
    public void exportJson(Path target) throws IOException {
        HeatmapExport.writeJson(selectedStatistic().orElse(""), requireScores(), target);
    }

    private float[][] requireScores() {
        if (scores == null) {
            throw new IllegalStateException("The heatmap has no data to export. Run Locate first.");
        }
        return scores;
    }

    private HeatmapGrid requireGrid() {
        if (grid == null) {
            throw new IllegalStateException("The heatmap has not been drawn with data yet. Run Locate first.");
        }
        return grid;
    }

    /** Returns the grid as last drawn, empty before the first draw with data. */
    Optional<HeatmapGrid> grid() {
        return Optional.ofNullable(grid);
    }

    /** Returns the canvas point at the centre of the cell that shows visible {@code neuron} of {@code layer}. */
    Point2D cellCentre(int layer, int neuron) {
        HeatmapGrid drawn = requireGrid();
        double x = LEFT_MARGIN + (drawn.columnOf(neuron) + 0.5) * plotWidth() / drawn.columns();
        double y = TOP_MARGIN + (layer + 0.5) * plotHeight() / drawn.rows();
        return new Point2D(x, y);
    }

    Canvas canvas() {
        return canvas;
    }

    private double plotWidth() {
        return canvas.getWidth() - LEFT_MARGIN - RIGHT_MARGIN;
    }

    private double plotHeight() {
        return canvas.getHeight() - TOP_MARGIN - BOTTOM_MARGIN;
    }

    private void redraw() {
        drawPlot();
        drawLegend();
        rangeLabel.setText(visibleRange == null ? ""
                : String.format(Locale.ROOT, "neurons %d–%d of %d", visibleRange.start(), visibleRange.end() - 1, scores[0].length));
    }

    private void drawPlot() {
        GraphicsContext graphics = canvas.getGraphicsContext2D();
        graphics.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (plotWidth() < 1 || plotHeight() < 1) {
            return;
        }
        if (scores == null) {
            drawPlaceholder(graphics);
            return;
        }

        int columns = Math.min(visibleRange.size(), (int) Math.floor(plotWidth()));
        if (grid == null || grid.columns() != columns) {
            grid = HeatmapGrid.aggregate(scores, visibleRange, columns);
            image = null;
        }
        if (image == null) {
            image = renderImage(grid);
        }
        graphics.setImageSmoothing(false);
        graphics.drawImage(image, LEFT_MARGIN, TOP_MARGIN, plotWidth(), plotHeight());
        drawAxes(graphics);
        drawSelection(graphics);
    }

    private void drawPlaceholder(GraphicsContext graphics) {
        graphics.setFill(TEXT_COLOR);
        graphics.setFont(Font.font(13));
        graphics.setTextAlign(TextAlignment.CENTER);
        graphics.setTextBaseline(VPos.CENTER);
        graphics.fillText("Run Locate to see neuron scores", canvas.getWidth() / 2, canvas.getHeight() / 2);
    }

    /** Draws one pixel per grid cell, which the canvas scales to the plot area. */
    private WritableImage renderImage(HeatmapGrid cells) {
        ColorScale scale = new ColorScale(cells.maxMagnitude(), logScale.isSelected());
        WritableImage rendered = new WritableImage(cells.columns(), cells.rows());
        PixelWriter writer = rendered.getPixelWriter();
        for (int row = 0; row < cells.rows(); row++) {
            for (int column = 0; column < cells.columns(); column++) {
                writer.setArgb(column, row, ColorScale.argb(scale.color(cells.value(row, column))));
            }
        }
        return rendered;
    }

    private void drawAxes(GraphicsContext graphics) {
        graphics.setFill(TEXT_COLOR);
        graphics.setFont(AXIS_FONT);

        double rowHeight = plotHeight() / grid.rows();
        int rowStep = (int) Math.ceil(MIN_LABEL_SPACING / rowHeight);
        graphics.setTextAlign(TextAlignment.RIGHT);
        graphics.setTextBaseline(VPos.CENTER);
        for (int row = 0; row < grid.rows(); row += rowStep) {
            graphics.fillText(Integer.toString(row), LEFT_MARGIN - 6, TOP_MARGIN + (row + 0.5) * rowHeight);
        }
        graphics.setTextAlign(TextAlignment.LEFT);
        graphics.setTextBaseline(VPos.TOP);
        graphics.fillText("layer", 4, 2);

        NeuronRange range = grid.range();
        graphics.setTextAlign(TextAlignment.CENTER);
        double tickY = TOP_MARGIN + plotHeight() + 3;
        for (int quarter = 0; quarter <= 4; quarter++) {
            int neuron = Math.min(range.end() - 1, range.start() + quarter * range.size() / 4);
            double x = LEFT_MARGIN + (grid.columnOf(neuron) + 0.5) * plotWidth() / grid.columns();
            graphics.fillText(Integer.toString(neuron), x, tickY);
        }
        graphics.fillText("neuron", LEFT_MARGIN + plotWidth() / 2, tickY + 15);
    }

    private void drawSelection(GraphicsContext graphics) {
        if (selectionStart == null || selectionEnd == null) {
            return;
        }
        double x = Math.min(selectionStart.getX(), selectionEnd.getX());
        double y = Math.min(selectionStart.getY(), selectionEnd.getY());
        double width = Math.abs(selectionEnd.getX() - selectionStart.getX());
        double height = Math.abs(selectionEnd.getY() - selectionStart.getY());
        graphics.setFill(Color.rgb(255, 255, 255, 0.25));
        graphics.fillRect(x, y, width, height);
        graphics.setStroke(Color.WHITE);
        graphics.setLineWidth(1);
        graphics.strokeRect(x + 0.5, y + 0.5, width, height);
    }

    private void drawLegend() {
        GraphicsContext graphics = legend.getGraphicsContext2D();
        double width = legend.getWidth();
        for (int x = 0; x < width; x++) {
            graphics.setFill(ColorScale.colorAt(x / (width - 1)));
            graphics.fillRect(x, 0, 1, legend.getHeight());
        }

        double max = grid == null ? Double.NaN : grid.maxMagnitude();
        if (Double.isNaN(max)) {
            legendLow.setText("");
            legendHigh.setText("");
        } else if (logScale.isSelected()) {
            legendLow.setText("≤ " + formatValue(max / Math.pow(10, ColorScale.LOG_DECADES)));
            legendHigh.setText(formatValue(max));
        } else {
            legendLow.setText("0");
            legendHigh.setText(formatValue(max));
        }
    }

    private void scrolled(ScrollEvent event) {
        if (scores == null || event.getDeltaY() == 0) {
            return;
        }
        zoom(Math.pow(BUTTON_ZOOM_FACTOR, event.getDeltaY() / WHEEL_PIXELS_PER_STEP), event.getX());
        updateHover(event.getX(), event.getY());
        event.consume();
    }

    private static boolean isPanGesture(MouseEvent event) {
        return event.getButton() == MouseButton.MIDDLE || event.getButton() == MouseButton.SECONDARY
                || (event.getButton() == MouseButton.PRIMARY && event.isShiftDown());
    }

    private void mousePressed(MouseEvent event) {
        if (grid == null) {
            return;
        }
        if (isPanGesture(event)) {
            panStartX = event.getX();
            panStartRange = visibleRange;
        } else if (event.getButton() == MouseButton.PRIMARY && plotCell(event.getX(), event.getY()) != null) {
            selectionStart = new Point2D(event.getX(), event.getY());
            selectionEnd = null;
        }
    }

    private void mouseDragged(MouseEvent event) {
        if (panStartRange != null) {
            double neuronShift = (panStartX - event.getX()) * panStartRange.size() / plotWidth();
            setVisibleRange(panStartRange.start() + (int) Math.round(neuronShift), panStartRange.size());
        } else if (selectionStart != null) {
            selectionEnd = clampToPlot(event.getX(), event.getY());
            drawPlot();
        }
        updateHover(event.getX(), event.getY());
    }

    private void mouseReleased(MouseEvent event) {
        if (panStartRange != null) {
            panStartRange = null;
            return;
        }
        if (selectionStart == null) {
            return;
        }
        Point2D start = selectionStart;
        Point2D end = clampToPlot(event.getX(), event.getY());
        selectionStart = null;
        selectionEnd = null;
        drawPlot();
        if (start.distance(end) < MIN_SELECTION_DRAG) {
            return;
        }
        onRegionSelected.accept(hotSpotsBetween(start, end));
    }

    /** Returns one hot spot per layer between the two canvas points, with every neuron of the columns between them. */
    private List<HotSpot> hotSpotsBetween(Point2D start, Point2D end) {
        int[] first = plotCell(Math.min(start.getX(), end.getX()), Math.min(start.getY(), end.getY()));
        int[] last = plotCell(Math.max(start.getX(), end.getX()), Math.max(start.getY(), end.getY()));
        int firstNeuron = grid.firstNeuron(first[1]);
        int endNeuron = grid.firstNeuron(last[1] + 1);
        List<Integer> neurons = IntStream.range(firstNeuron, endNeuron).boxed().toList();

        List<HotSpot> hotSpots = new ArrayList<>();
        for (int layer = first[0]; layer <= last[0]; layer++) {
            hotSpots.add(new HotSpot(layer, neurons));
        }
        LOG.info("Heatmap region selected: layers {} to {}, neurons [{}, {})", first[0], last[0], firstNeuron, endNeuron);
        return hotSpots;
    }

    private Point2D clampToPlot(double x, double y) {
        double clampedX = Math.max(LEFT_MARGIN, Math.min(LEFT_MARGIN + plotWidth() - 0.001, x));
        double clampedY = Math.max(TOP_MARGIN, Math.min(TOP_MARGIN + plotHeight() - 0.001, y));
        return new Point2D(clampedX, clampedY);
    }

    /** Returns {@code {row, column}} of the grid cell at canvas point (x, y), or null outside the plot. */
    private int[] plotCell(double x, double y) {
        double plotX = x - LEFT_MARGIN;
        double plotY = y - TOP_MARGIN;
        if (grid == null || plotX < 0 || plotY < 0 || plotX >= plotWidth() || plotY >= plotHeight()) {
            return null;
        }
        int column = Math.min(grid.columns() - 1, (int) (plotX * grid.columns() / plotWidth()));
        int row = Math.min(grid.rows() - 1, (int) (plotY * grid.rows() / plotHeight()));
        return new int[] {row, column};
    }

    private void updateHover(double x, double y) {
        int[] cell = plotCell(x, y);
        if (cell == null) {
            hoverText.set("");
            return;
        }
        float value = grid.value(cell[0], cell[1]);
        String valueText = Float.isNaN(value) ? "no score" : formatValue(value);
        hoverText.set("layer " + cell[0] + ", neuron " + grid.neuron(cell[0], cell[1]) + ", value " + valueText);
    }

    private static String formatValue(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }
}
