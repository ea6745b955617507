package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.pkeworkbench.trace.CausalTraceResult;

/**
 * Heatmap of a causal trace's indirect effects on a {@link Canvas}: one row per layer (layer 0 at
 * the bottom) and one column per prompt token. The colour scale is symmetric around 0, blue for
 * negative and red for positive effects, up to the largest magnitude in the table. Labels above
 * the plot give the target token, its clean and corrupted probability and the corrupted tokens.
 * Moving the mouse over a cell shows "layer L, token 'x', effect v" below it.
 */
public final class CausalTraceView extends BorderPane {

    private static final double LEFT_MARGIN = 44;
    private static final double RIGHT_MARGIN = 12;
    private static final double TOP_MARGIN = 10;
    private static final double BOTTOM_MARGIN = 40;
    private static final double MIN_LABEL_SPACING = 14;
    private static final Color TEXT_COLOR = Color.gray(0.25);
    private static final Color NEGATIVE_COLOR = Color.rgb(33, 102, 172);
    private static final Color POSITIVE_COLOR = Color.rgb(178, 24, 43);
    private static final Font AXIS_FONT = Font.font(11);
    static final String NO_TRACE_TARGET = "Target: (not traced yet)";

    private final Canvas canvas = new Canvas();
    private final Canvas legend = new Canvas(180, 12);
    private final Label legendLow = new Label();
    private final Label legendHigh = new Label();
    private final Label targetLabel = new Label();
    private final Label cleanLabel = new Label();
    private final Label corruptedLabel = new Label();
    private final Label corruptedRangeLabel = new Label();
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");

    private CausalTraceResult result;
    private double maxMagnitude;

    public CausalTraceView() {
        Pane canvasHolder = new Pane(canvas);
        canvasHolder.setMinSize(0, 0);
        canvasHolder.setPrefSize(640, 360);
        canvas.widthProperty().bind(canvasHolder.widthProperty());
        canvas.heightProperty().bind(canvasHolder.heightProperty());
        canvas.widthProperty().addListener((observable, oldWidth, newWidth) -> draw());
        canvas.heightProperty().addListener((observable, oldHeight, newHeight) -> draw());
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, event -> updateHover(event.getX(), event.getY()));
        canvas.addEventHandler(MouseEvent.MOUSE_EXITED, event -> hoverText.set(""));
        canvas.setId("causalTraceCanvas");
        setCenter(canvasHolder);

        targetLabel.setId("causalTargetLabel");
        cleanLabel.setId("causalCleanLabel");
        corruptedLabel.setId("causalCorruptedLabel");
        corruptedRangeLabel.setId("causalCorruptedRangeLabel");
        HBox header = new HBox(16, targetLabel, cleanLabel, corruptedLabel, corruptedRangeLabel);
        header.setAlignment(Pos.CENTER_LEFT);
        header.setPadding(new Insets(4, 8, 4, 8));
        setTop(header);

        setBottom(createFooter());
        setResult(null);
    }

    private HBox createFooter() {
        Label hoverLabel = new Label();
        hoverLabel.setId("causalHoverLabel");
        hoverLabel.textProperty().bind(hoverText.getReadOnlyProperty());
        hoverLabel.setMinWidth(Region.USE_PREF_SIZE);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);

        MenuButton export = FigureFiles.exportMenu(this, "causal trace", this::requireResult, this::exportPng, this::exportSvg,
                this::exportCsv, this::exportJson);
        export.setId("causalExport");
        HBox footer = new HBox(8, hoverLabel, spacer, new Label("indirect effect"), legendLow, legend, legendHigh, export);
        footer.setAlignment(Pos.CENTER_LEFT);
        footer.setPadding(new Insets(4, 8, 4, 8));
        return footer;
    }

    /** Shows {@code trace}, or clears the view when it is null. */
    public void setResult(CausalTraceResult trace) {
        this.result = trace;
        hoverText.set("");
        maxMagnitude = trace == null ? 0 : Arrays.stream(trace.indirectEffect())
                .flatMapToDouble(Arrays::stream)
                .filter(Double::isFinite)
                .map(Math::abs)
                .max()
                .orElse(0);
        if (trace == null) {
            // Before a trace the Target field already contains a default, so "none" here would contradict it.
            targetLabel.setText(NO_TRACE_TARGET);
            cleanLabel.setText("");
            corruptedLabel.setText("");
            corruptedRangeLabel.setText("");
        } else {
            String target = trace.targetText() == null ? "#" + trace.targetId() : TokenLabels.display(trace.targetText());
            targetLabel.setText("Target: '" + target + "'");
            cleanLabel.setText("Clean probability " + formatValue(trace.cleanProbability()));
            corruptedLabel.setText("Corrupted probability " + formatValue(trace.corruptedProbability()));
            corruptedRangeLabel.setText(trace.corruptFrom() == 0 && trace.corruptTo() == trace.tokenIds().length
                    ? "All tokens corrupted"
                    : "Tokens " + trace.corruptFrom() + " to " + (trace.corruptTo() - 1) + " corrupted (*)");
        }
        draw();
        drawLegend();
    }

    /** Returns the text of the hover label, empty when the mouse is not over a cell. */
    public String hoverText() {
        return hoverText.get();
    }

    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    /** Returns the number of layer rows drawn, 0 without a result. */
    public int layerCount() {
        return result == null ? 0 : result.indirectEffect().length;
    }

    /** Returns the number of token columns drawn, 0 without a result. */
    public int tokenCount() {
        return result == null ? 0 : result.tokenIds().length;
    }

    /** Returns the canvas point at the centre of the cell of {@code layer} and {@code token}. */
    Point2D cellCentre(int layer, int token) {
        if (result == null) {
            throw new IllegalStateException("No causal trace is shown");
        }
        double x = LEFT_MARGIN + (token + 0.5) * plotWidth() / tokenCount();
        double y = TOP_MARGIN + plotHeight() - (layer + 0.5) * plotHeight() / layerCount();
        return new Point2D(x, y);
    }

    /** Writes a snapshot of the heatmap canvas, at its size in pixels, as a PNG. Call on the JavaFX thread. */
    public void exportPng(Path target) throws IOException {
        requireResult();
        FigureFiles.writeSnapshotPng(canvas, target);
    }

    /**
     * Writes the heatmap as SVG at the canvas size: one {@code rect class="cell"} per layer and token
     * in the same colours as on screen, layer and token labels, and the target line as title.
     * Call on the JavaFX thread.
     */
    public void exportSvg(Path target) throws IOException {
        CausalTraceResult shown = requireResult();
        if (plotWidth() < 1 || plotHeight() < 1) {
            throw new IllegalStateException("The causal trace view is too small to export as SVG; enlarge it first.");
        }

        double cellWidth = plotWidth() / tokenCount();
        double cellHeight = plotHeight() / layerCount();
        String title = targetLabel.getText() + ", " + cleanLabel.getText() + ", " + corruptedLabel.getText();
        StringBuilder svg = new StringBuilder(FigureFiles.svgHeader(canvas.getWidth(), canvas.getHeight(), title));

        svg.append(String.format(Locale.ROOT, "<g shape-rendering=\"crispEdges\">%n"));
        for (int layer = 0; layer < layerCount(); layer++) {
            double y = TOP_MARGIN + plotHeight() - (layer + 1) * cellHeight;
            for (int token = 0; token < tokenCount(); token++) {
                double effect = shown.indirectEffect()[layer][token];
                svg.append(String.format(Locale.ROOT,
                        "<rect class=\"cell\" x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\" fill=\"%s\">"
                                + "<title>layer %d, token %d, effect %s</title></rect>%n",
                        LEFT_MARGIN + token * cellWidth, y, cellWidth, cellHeight,
                        FigureFiles.hex(color(effect, maxMagnitude)), layer, token, formatValue(effect)));
            }
        }
        svg.append("</g>\n");

        int rowStep = Math.max(1, (int) Math.ceil(MIN_LABEL_SPACING / cellHeight));
        for (int layer = 0; layer < layerCount(); layer += rowStep) {
            svg.append(FigureFiles.svgText(LEFT_MARGIN - 6, cellCentre(layer, 0).getY() + 4, "end", Integer.toString(layer)));
        }
        svg.append(FigureFiles.svgText(4, 12, "start", "layer"));

        for (int token = 0; token < tokenCount(); token++) {
            double y = TOP_MARGIN + plotHeight() + 16 + (token % 2) * 14;
            svg.append(FigureFiles.svgText(cellCentre(0, token).getX(), y, "middle", TokenLabels.at(tokenTexts(), token)));
        }
        FigureFiles.writeText(target, svg.append(FigureFiles.svgFooter()).toString());
    }

    /**
     * Writes one CSV line per layer and token:
     * {@code layer,token,token_id,token_text,corrupted,indirect_effect,restored_probability}.
     */
    public void exportCsv(Path target) throws IOException {
        CausalTraceResult shown = requireResult();
        StringBuilder csv = new StringBuilder("layer,token,token_id,token_text,corrupted,indirect_effect,restored_probability\n");
        for (int layer = 0; layer < layerCount(); layer++) {
            for (int token = 0; token < tokenCount(); token++) {
                csv.append(layer).append(',').append(token).append(',').append(shown.tokenIds()[token]).append(',')
                        .append(FigureFiles.csvField(rawToken(token))).append(',')
                        .append(token >= shown.corruptFrom() && token < shown.corruptTo()).append(',')
                        .append(shown.indirectEffect()[layer][token]).append(',')
                        .append(shown.restoredProbability()[layer][token]).append('\n');
            }
        }
        FigureFiles.writeText(target, csv.toString());
    }

    /**
     * Writes the trace as JSON: {@code target, targetId, cleanProbability, corruptedProbability,
     * corruptFrom, corruptTo, noiseStd, restoredState, window, tokenIds, tokens}, and
     * {@code indirectEffect} and {@code restoredProbability} as {@code [layers][tokens]}.
     */
    public void exportJson(Path target) throws IOException {
        CausalTraceResult shown = requireResult();
        FigureFiles.writeJson(target, json -> {
            json.writeStartObject();
            json.writeStringField("target", shown.targetText());
            json.writeNumberField("targetId", shown.targetId());
            json.writeNumberField("cleanProbability", shown.cleanProbability());
            json.writeNumberField("corruptedProbability", shown.corruptedProbability());
            json.writeNumberField("corruptFrom", shown.corruptFrom());
            json.writeNumberField("corruptTo", shown.corruptTo());
            json.writeNumberField("noiseStd", shown.noiseStd());
            json.writeStringField("restoredState", String.valueOf(shown.restoredState()));
            json.writeNumberField("window", shown.window());
            json.writeArrayFieldStart("tokenIds");
            for (long id : shown.tokenIds()) {
                json.writeNumber(id);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("tokens");
            for (int token = 0; token < tokenCount(); token++) {
                json.writeString(rawToken(token));
            }
            json.writeEndArray();
            for (String field : new String[] {"indirectEffect", "restoredProbability"}) {
                double[][] table = field.equals("indirectEffect") ? shown.indirectEffect() : shown.restoredProbability();
                json.writeArrayFieldStart(field);
                for (double[] layer : table) {
                    json.writeArray(layer, 0, layer.length);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        });
    }

    private CausalTraceResult requireResult() {
        if (result == null) {
            throw new IllegalStateException("There is no causal trace to export. Run a trace first.");
        }
        return result;
    }

    /** Returns the decoded text of {@code token} as the tokenizer gave it, or {@code #id} without texts. */
    private String rawToken(int token) {
        String[] texts = result.tokenTexts();
        return texts == null || texts[token] == null ? "#" + result.tokenIds()[token] : texts[token];
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

    /** Maps {@code effect} onto the diverging scale: white at 0, full colour at magnitude {@code max}. */
    private static Color color(double effect, double max) {
        if (!Double.isFinite(effect)) {
            return ColorScale.MISSING;
        }
        double position = max <= 0 ? 0 : Math.min(1, Math.abs(effect) / max);
        return Color.WHITE.interpolate(effect < 0 ? NEGATIVE_COLOR : POSITIVE_COLOR, position);
    }

    private void draw() {
        GraphicsContext graphics = canvas.getGraphicsContext2D();
        graphics.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (plotWidth() < 1 || plotHeight() < 1) {
            return;
        }
        if (result == null) {
            graphics.setFill(TEXT_COLOR);
            graphics.setFont(Font.font(13));
            graphics.setTextAlign(TextAlignment.CENTER);
            graphics.setTextBaseline(VPos.CENTER);
            graphics.fillText("Enter a prompt and a target and press Trace", canvas.getWidth() / 2,
                    canvas.getHeight() / 2);
            return;
        }

        double cellWidth = plotWidth() / tokenCount();
        double cellHeight = plotHeight() / layerCount();
        double[][] effects = result.indirectEffect();
        for (int layer = 0; layer < layerCount(); layer++) {
            double y = TOP_MARGIN + plotHeight() - (layer + 1) * cellHeight;
            for (int token = 0; token < tokenCount(); token++) {
                graphics.setFill(color(effects[layer][token], maxMagnitude));
                // Half a pixel of overlap keeps antialiased seams from showing between cells.
                graphics.fillRect(LEFT_MARGIN + token * cellWidth, y, cellWidth + 0.5, cellHeight + 0.5);
            }
        }
        graphics.setStroke(Color.gray(0.6));
        graphics.setLineWidth(1);
        graphics.strokeRect(LEFT_MARGIN, TOP_MARGIN, plotWidth(), plotHeight());
        drawAxes(graphics, cellWidth, cellHeight);
    }

    private void drawAxes(GraphicsContext graphics, double cellWidth, double cellHeight) {
        graphics.setFill(TEXT_COLOR);
        graphics.setFont(AXIS_FONT);

        graphics.setTextAlign(TextAlignment.RIGHT);
        graphics.setTextBaseline(VPos.CENTER);
        int rowStep = Math.max(1, (int) Math.ceil(MIN_LABEL_SPACING / cellHeight));
        for (int layer = 0; layer < layerCount(); layer += rowStep) {
            graphics.fillText(Integer.toString(layer), LEFT_MARGIN - 6, cellCentre(layer, 0).getY());
        }
        graphics.setTextAlign(TextAlignment.LEFT);
        graphics.setTextBaseline(VPos.TOP);
        graphics.fillText("layer", 4, 0);

        List<String> tokens = tokenTexts();
        graphics.setTextAlign(TextAlignment.CENTER);
        double labelY = TOP_MARGIN + plotHeight() + 4;
        for (int token = 0; token < tokenCount(); token++) {
            double x = cellCentre(0, token).getX();
            double y = labelY + (token % 2) * 14;
            String label = TokenLabels.at(tokens, token);
            if (partlyCorrupted() && token >= result.corruptFrom() && token < result.corruptTo()) {
                label = label + "*";
            }
            graphics.fillText(label, x, y, Math.max(cellWidth * 2 - 4, 8));
        }
    }

    /** Returns true when only some prompt tokens were corrupted; their labels then get a star. */
    private boolean partlyCorrupted() {
        return result.corruptFrom() > 0 || result.corruptTo() < tokenCount();
    }

    private List<String> tokenTexts() {
        return result.tokenTexts() == null ? null : Arrays.asList(result.tokenTexts());
    }

    private void drawLegend() {
        GraphicsContext graphics = legend.getGraphicsContext2D();
        double width = legend.getWidth();
        for (int x = 0; x < width; x++) {
            graphics.setFill(color(2 * x / (width - 1) - 1, 1));
            graphics.fillRect(x, 0, 1, legend.getHeight());
        }
        graphics.setStroke(Color.gray(0.6));
        graphics.strokeRect(0, 0, width, legend.getHeight());

        if (result == null) {
            legendLow.setText("");
            legendHigh.setText("");
        } else {
            legendLow.setText(formatValue(-maxMagnitude));
            legendHigh.setText(formatValue(maxMagnitude));
        }
    }

    private void updateHover(double x, double y) {
        if (result == null) {
            hoverText.set("");
            return;
        }
        double plotX = x - LEFT_MARGIN;
        double plotY = y - TOP_MARGIN;
        if (plotX < 0 || plotY < 0 || plotX >= plotWidth() || plotY >= plotHeight()) {
            hoverText.set("");
            return;
        }

        int token = Math.min(tokenCount() - 1, (int) (plotX * tokenCount() / plotWidth()));
        int rowFromTop = Math.min(layerCount() - 1, (int) (plotY * layerCount() / plotHeight()));
        int layer = layerCount() - 1 - rowFromTop;
        hoverText.set("layer " + layer + ", token '" + TokenLabels.at(tokenTexts(), token) + "', effect "
                + formatValue(result.indirectEffect()[layer][token]));
    }

    private static String formatValue(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }
}
