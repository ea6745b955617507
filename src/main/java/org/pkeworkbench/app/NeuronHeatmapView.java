package org.pkeworkbench.app;

import java.util.Locale;
import java.util.Optional;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.image.PixelWriter;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

/**
 * Heatmap of per-neuron scores, one row per decoder layer and one column per neuron, drawn on a
 * {@link Canvas}.
 *
 * <p>When there are more neurons than plot pixels, neighbouring neurons are merged into one
 * pixel column that shows the largest magnitude among them (see {@link HeatmapGrid}), so a
 * {@code 32 x 14336} matrix is drawn from a {@code 32 x width} image. Moving the mouse over a
 * cell shows "layer L, neuron N, value V" below the plot, where N is the neuron with the largest
 * magnitude in that pixel column.
 */
public final class NeuronHeatmapView extends BorderPane {

    private static final double LEFT_MARGIN = 44;
    private static final double RIGHT_MARGIN = 12;
    private static final double TOP_MARGIN = 18;
    private static final double BOTTOM_MARGIN = 34;
    private static final double MIN_LABEL_SPACING = 14;
    private static final Color TEXT_COLOR = Color.gray(0.25);
    private static final Font AXIS_FONT = Font.font(11);

    private final Canvas canvas = new Canvas();
    private final Canvas legend = new Canvas(180, 12);
    private final Label legendLow = new Label();
    private final Label legendHigh = new Label();
    private final CheckBox logScale = new CheckBox("Log scale");
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");

    private float[][] scores;
    private HeatmapGrid grid;
    private WritableImage image;

    public NeuronHeatmapView() {
        Pane canvasHolder = new Pane(canvas);
        canvasHolder.setMinSize(0, 0);
        canvasHolder.setPrefSize(640, 320);
        canvas.widthProperty().bind(canvasHolder.widthProperty());
        canvas.heightProperty().bind(canvasHolder.heightProperty());
        canvas.widthProperty().addListener((observable, oldWidth, newWidth) -> redraw());
        canvas.heightProperty().addListener((observable, oldHeight, newHeight) -> redraw());
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, event -> updateHover(event.getX(), event.getY()));
        canvas.addEventHandler(MouseEvent.MOUSE_EXITED, event -> hoverText.set(""));
        setCenter(canvasHolder);

        logScale.selectedProperty().addListener((observable, wasSelected, isSelected) -> {
            image = null;
            redraw();
        });
        setBottom(createFooter());
        redraw();
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
     * Shows {@code scores}, or clears the view when {@code scores} is null.
     *
     * @param scores {@code [layers][neurons]}, every row the same length
     * @throws IllegalArgumentException if the matrix is empty or ragged
     */
    public void setData(float[][] scores) {
        if (scores != null) {
            HeatmapGrid.aggregate(scores, 1);
        }
        this.scores = scores;
        grid = null;
        image = null;
        hoverText.set("");
        redraw();
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

    /** Returns the grid as last drawn, empty before the first draw with data. */
    Optional<HeatmapGrid> grid() {
        return Optional.ofNullable(grid);
    }

    /** Returns the canvas point at the centre of the cell that shows {@code neuron} of {@code layer}. */
    Point2D cellCentre(int layer, int neuron) {
        if (grid == null) {
            throw new IllegalStateException("The heatmap has not been drawn with data yet");
        }
        double x = LEFT_MARGIN + (grid.columnOf(neuron) + 0.5) * plotWidth() / grid.columns();
        double y = TOP_MARGIN + (layer + 0.5) * plotHeight() / grid.rows();
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

        int columns = Math.min(scores[0].length, (int) Math.floor(plotWidth()));
        if (grid == null || grid.columns() != columns) {
            grid = HeatmapGrid.aggregate(scores, columns);
            image = null;
        }
        if (image == null) {
            image = renderImage(grid);
        }
        graphics.setImageSmoothing(false);
        graphics.drawImage(image, LEFT_MARGIN, TOP_MARGIN, plotWidth(), plotHeight());
        drawAxes(graphics);
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

        int neuronCount = grid.neuronCount();
        graphics.setTextAlign(TextAlignment.CENTER);
        double tickY = TOP_MARGIN + plotHeight() + 3;
        for (int quarter = 0; quarter <= 4; quarter++) {
            int neuron = Math.min(neuronCount - 1, quarter * neuronCount / 4);
            double x = LEFT_MARGIN + (grid.columnOf(neuron) + 0.5) * plotWidth() / grid.columns();
            graphics.fillText(Integer.toString(neuron), x, tickY);
        }
        graphics.fillText("neuron", LEFT_MARGIN + plotWidth() / 2, tickY + 15);
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

    private void updateHover(double x, double y) {
        if (grid == null) {
            hoverText.set("");
            return;
        }
        double plotX = x - LEFT_MARGIN;
        double plotY = y - TOP_MARGIN;
        if (plotX < 0 || plotY < 0 || plotX >= plotWidth() || plotY >= plotHeight()) {
            hoverText.set("");
            return;
        }

        int column = Math.min(grid.columns() - 1, (int) (plotX * grid.columns() / plotWidth()));
        int row = Math.min(grid.rows() - 1, (int) (plotY * grid.rows() / plotHeight()));
        float value = grid.value(row, column);
        String valueText = Float.isNaN(value) ? "no score" : formatValue(value);
        hoverText.set("layer " + row + ", neuron " + grid.neuron(row, column) + ", value " + valueText);
    }

    private static String formatValue(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }
}
