package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.DoubleProperty;
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
import javafx.scene.control.Slider;
import javafx.scene.control.TextArea;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;
import javafx.scene.shape.StrokeLineCap;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.ContributionGraph.Edge;
import org.pkeworkbench.trace.ContributionGraph.Node;
import org.pkeworkbench.trace.ContributionGraph.NodeKind;
import org.pkeworkbench.trace.HeadContribution;
import org.pkeworkbench.trace.LayerContributions;
import org.pkeworkbench.trace.NeuronContribution;

/**
 * Draws a {@link ContributionGraph} on a {@link Canvas}: one column per prompt token, and rows from
 * the embeddings at the bottom up through each layer's attention node ({@code resid_mid}) and MLP
 * node ({@code resid_post}). An edge's line width and opacity grow with its weight. Only edges
 * whose weight is at least the slider's threshold are drawn.
 *
 * <p>Clicking a node selects it and lists its top heads (attention node) or top neurons (MLP node)
 * in the side panel. Row {@code 2L} contains {@code resid_pre} of layer L, which is the same vector
 * as {@code resid_post} of layer L - 1, so a {@code resid_pre} node is shown and selected as that
 * {@code resid_post} node.
 */
public final class ContributionGraphView extends BorderPane {

    /** Initial threshold of the slider, as a normalised edge weight. */
    public static final double DEFAULT_THRESHOLD = 0.04;
    /** Largest threshold the slider offers. */
    public static final double MAX_THRESHOLD = 0.5;

    private static final double LEFT_MARGIN = 64;
    private static final double RIGHT_MARGIN = 16;
    private static final double TOP_MARGIN = 16;
    private static final double BOTTOM_MARGIN = 40;
    private static final double NODE_RADIUS = 4;
    private static final double CLICK_RADIUS = 9;
    private static final double MIN_ROW_LABEL_SPACING = 12;
    private static final Color TEXT_COLOR = Color.gray(0.25);
    private static final Color NODE_COLOR = Color.gray(0.35);
    private static final Color SELECTED_COLOR = Color.rgb(214, 39, 40);
    private static final Color ATTENTION_COLOR = Color.rgb(31, 119, 180);
    private static final Color MLP_COLOR = Color.rgb(255, 127, 14);
    private static final Color RESIDUAL_COLOR = Color.gray(0.55);
    private static final Font AXIS_FONT = Font.font(11);
    static final String NO_GRAPH_HINT = "Run a trace, then click a node to see its top heads and neurons";
    static final String NO_SELECTION_HINT = "Click a node to see its top heads and neurons";

    private final Canvas canvas = new Canvas();
    private final Slider thresholdSlider = new Slider(0, MAX_THRESHOLD, DEFAULT_THRESHOLD);
    private final Label thresholdLabel = new Label();
    private final Label edgeCountLabel = new Label();
    private final TextArea details = new TextArea();
    /** Hint over the empty details box until a node is selected. */
    private final Label detailsHint = new Label(NO_GRAPH_HINT);
    private final ReadOnlyStringWrapper selectedDetails = new ReadOnlyStringWrapper(this, "selectedNodeDetails", "");

    private ContributionGraph graph;
    private List<String> tokenTexts = List.of();
    private List<Edge> visibleEdges = List.of();
    private Node selected;

    public ContributionGraphView() {
        Pane canvasHolder = new Pane(canvas);
        canvasHolder.setMinSize(0, 0);
        canvasHolder.setPrefSize(640, 400);
        canvas.widthProperty().bind(canvasHolder.widthProperty());
        canvas.heightProperty().bind(canvasHolder.heightProperty());
        canvas.widthProperty().addListener((observable, oldWidth, newWidth) -> draw());
        canvas.heightProperty().addListener((observable, oldHeight, newHeight) -> draw());
        canvas.addEventHandler(MouseEvent.MOUSE_CLICKED, event -> selectAt(event.getX(), event.getY()));
        canvas.setId("contributionCanvas");
        setCenter(canvasHolder);

        thresholdSlider.setId("contributionThresholdSlider");
        thresholdSlider.setShowTickMarks(true);
        thresholdSlider.setShowTickLabels(true);
        thresholdSlider.setMajorTickUnit(0.1);
        thresholdSlider.setPrefWidth(260);
        thresholdSlider.valueProperty().addListener((observable, oldValue, newValue) -> updateEdges());
        edgeCountLabel.setId("contributionEdgeCountLabel");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox controls = new HBox(8, new Label("Edge threshold"), thresholdSlider, thresholdLabel, edgeCountLabel, spacer,
                legendLabel("attention", ATTENTION_COLOR), legendLabel("MLP", MLP_COLOR),
                legendLabel("skip connection", RESIDUAL_COLOR), exportMenu());
        controls.setAlignment(Pos.CENTER_LEFT);
        controls.setPadding(new Insets(4, 8, 4, 8));
        setBottom(controls);

        details.setId("contributionDetails");
        details.setEditable(false);
        details.setWrapText(false);
        details.setPrefColumnCount(26);
        details.textProperty().bind(selectedDetails.getReadOnlyProperty());
        detailsHint.setId("contributionDetailsHint");
        detailsHint.setWrapText(true);
        detailsHint.setTextFill(Color.gray(0.45));
        detailsHint.setPadding(new Insets(6, 8, 6, 8));
        // A zero preferred width keeps the hint from widening the side panel, and it wraps to the box's width.
        detailsHint.setPrefWidth(0);
        detailsHint.setMaxWidth(Double.MAX_VALUE);
        detailsHint.setMouseTransparent(true);
        detailsHint.visibleProperty().bind(selectedDetails.isEmpty());
        StackPane detailsBox = new StackPane(details, detailsHint);
        StackPane.setAlignment(detailsHint, Pos.TOP_LEFT);
        Label detailsTitle = new Label("Selected node");
        VBox side = new VBox(4, detailsTitle, detailsBox);
        VBox.setVgrow(detailsBox, Priority.ALWAYS);
        side.setPadding(new Insets(4, 8, 4, 4));
        setRight(side);

        updateEdges();
    }

    private static Label legendLabel(String text, Color color) {
        Label label = new Label(text);
        label.setTextFill(color.darker());
        label.setGraphic(new Rectangle(14, 4, color));
        return label;
    }

    private MenuButton exportMenu() {
        MenuButton export = FigureFiles.exportMenu(this, "contribution graph", this::requireGraph, this::exportPng, this::exportSvg,
                this::exportCsv, this::exportJson);
        export.setId("contributionExport");
        return export;
    }

    /** Writes a snapshot of the graph canvas, at its size in pixels, as a PNG. Call on the JavaFX thread. */
    public void exportPng(Path target) throws IOException {
        requireGraph();
        FigureFiles.writeSnapshotPng(canvas, target);
    }

    /**
     * Writes the graph as SVG at the canvas size: the edges kept at the current threshold as
     * {@code line class="edge"} (drawn first, with the on-screen colour, width and opacity), every
     * node as a {@code circle class="node"}, and row and token labels. Call on the JavaFX thread.
     */
    public void exportSvg(Path target) throws IOException {
        ContributionGraph shown = requireGraph();
        if (plotWidth() < 1 || plotHeight() < 1) {
            throw new IllegalStateException("The contribution graph view is too small to export as SVG; enlarge it first.");
        }
        String title = String.format(Locale.ROOT, "Contribution graph, %d layers, %d tokens, edge threshold %.3f",
                shown.numLayers(), shown.sequenceLength(), thresholdSlider.getValue());
        StringBuilder svg = new StringBuilder(FigureFiles.svgHeader(canvas.getWidth(), canvas.getHeight(), title));

        for (Edge edge : visibleEdges) {
            double weight = Math.max(0, Math.min(1, edge.weight()));
            boolean skip = edge.kind() != ContributionGraph.EdgeKind.ATTENTION && edge.kind() != ContributionGraph.EdgeKind.MLP;
            Color base = skip ? RESIDUAL_COLOR : edge.kind() == ContributionGraph.EdgeKind.ATTENTION ? ATTENTION_COLOR : MLP_COLOR;
            svg.append(String.format(Locale.ROOT,
                    "<line class=\"edge\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                            + "stroke-opacity=\"%.3f\" stroke-width=\"%.2f\" stroke-linecap=\"round\">"
                            + "<title>%s %.4f</title></line>%n",
                    columnX(edge.from().position()), rowY(row(edge.from())), columnX(edge.to().position()),
                    rowY(row(edge.to())), FigureFiles.hex(base), skip ? 0.1 + 0.4 * weight : 0.15 + 0.85 * weight,
                    skip ? 0.5 + 2 * weight : 0.5 + 4.5 * weight, edge.kind(), edge.weight()));
        }

        for (int row = 0; row < rowCount(); row++) {
            for (int position = 0; position < shown.sequenceLength(); position++) {
                boolean isSelected = nodeInRow(row, position).equals(selected);
                svg.append(String.format(Locale.ROOT,
                        "<circle class=\"node\" cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\" fill=\"%s\"/>%n",
                        columnX(position), rowY(row), isSelected ? NODE_RADIUS + 2 : NODE_RADIUS,
                        FigureFiles.hex(isSelected ? SELECTED_COLOR : NODE_COLOR)));
            }
        }

        int rowStep = Math.max(1, (int) Math.ceil(MIN_ROW_LABEL_SPACING / (plotHeight() / rowCount())));
        for (int row = 0; row < rowCount(); row += rowStep) {
            svg.append(FigureFiles.svgText(LEFT_MARGIN - 8, rowY(row) + 4, "end", rowLabel(row)));
        }
        for (int position = 0; position < shown.sequenceLength(); position++) {
            double y = TOP_MARGIN + plotHeight() + 16 + (position % 2) * 14;
            svg.append(FigureFiles.svgText(columnX(position), y, "middle", TokenLabels.at(tokenTexts, position)));
        }
        FigureFiles.writeText(target, svg.append(FigureFiles.svgFooter()).toString());
    }

    /**
     * Writes one CSV line per edge kept at the current threshold:
     * {@code from_layer,from_position,from_kind,from_token,to_layer,to_position,to_kind,to_token,kind,weight}.
     */
    public void exportCsv(Path target) throws IOException {
        requireGraph();
        StringBuilder csv = new StringBuilder(
                "from_layer,from_position,from_kind,from_token,to_layer,to_position,to_kind,to_token,kind,weight\n");
        for (Edge edge : visibleEdges) {
            csv.append(edge.from().layer()).append(',').append(edge.from().position()).append(',')
                    .append(edge.from().kind()).append(',').append(FigureFiles.csvField(tokenTexts.get(edge.from().position())))
                    .append(',').append(edge.to().layer()).append(',').append(edge.to().position()).append(',')
                    .append(edge.to().kind()).append(',').append(FigureFiles.csvField(tokenTexts.get(edge.to().position())))
                    .append(',').append(edge.kind()).append(',').append(edge.weight()).append('\n');
        }
        FigureFiles.writeText(target, csv.toString());
    }

    /**
     * Writes {@code {"threshold", "layers", "tokenIds": [...], "tokens": [...], "edges": [{"from":
     * {"layer", "position", "kind"}, "to": {...}, "kind", "weight"}, ...]}} with the edges kept at
     * the current threshold.
     */
    public void exportJson(Path target) throws IOException {
        ContributionGraph shown = requireGraph();
        FigureFiles.writeJson(target, json -> {
            json.writeStartObject();
            json.writeNumberField("threshold", thresholdSlider.getValue());
            json.writeNumberField("layers", shown.numLayers());
            json.writeArrayFieldStart("tokenIds");
            for (long id : shown.tokenIds()) {
                json.writeNumber(id);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("tokens");
            for (String token : tokenTexts) {
                json.writeString(token);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("edges");
            for (Edge edge : visibleEdges) {
                json.writeStartObject();
                for (String end : new String[] {"from", "to"}) {
                    Node node = end.equals("from") ? edge.from() : edge.to();
                    json.writeObjectFieldStart(end);
                    json.writeNumberField("layer", node.layer());
                    json.writeNumberField("position", node.position());
                    json.writeStringField("kind", node.kind().name());
                    json.writeEndObject();
                }
                json.writeStringField("kind", edge.kind().name());
                json.writeNumberField("weight", edge.weight());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private ContributionGraph requireGraph() {
        if (graph == null) {
            throw new IllegalStateException("There is no contribution graph to export. Run a trace first.");
        }
        return graph;
    }

    /**
     * Shows {@code contributions}, or clears the view when it is null, and clears the selection.
     *
     * @param tokenTexts decoded prompt tokens, one per position of the graph
     * @throws IllegalArgumentException if the number of token texts differs from the graph's sequence length
     */
    public void setGraph(ContributionGraph contributions, List<String> tokenTexts) {
        if (contributions != null && tokenTexts.size() != contributions.sequenceLength()) {
            throw new IllegalArgumentException("Got " + tokenTexts.size() + " token texts for a graph of "
                    + contributions.sequenceLength() + " positions; give one text per position");
        }
        this.graph = contributions;
        this.tokenTexts = contributions == null ? List.of() : List.copyOf(tokenTexts);
        selected = null;
        selectedDetails.set("");
        detailsHint.setText(contributions == null ? NO_GRAPH_HINT : NO_SELECTION_HINT);
        updateEdges();
    }

    /** Returns the slider's edge threshold, from 0 to {@link #MAX_THRESHOLD}. Edges with a smaller weight are hidden. */
    public DoubleProperty threshold() {
        return thresholdSlider.valueProperty();
    }

    /** Returns the number of edges at or above the threshold, 0 without a graph. */
    public int visibleEdgeCount() {
        return visibleEdges.size();
    }

    /**
     * Selects the node and shows its details. A {@code RESID_PRE} node of layer L > 0 is selected as
     * {@code RESID_POST} of layer L - 1.
     *
     * @throws IllegalStateException without a graph
     * @throws IllegalArgumentException if {@code layer} or {@code position} is outside the graph
     */
    public void selectNode(int layer, int position, NodeKind kind) {
        if (graph == null) {
            throw new IllegalStateException("No contribution graph is shown; run a trace first");
        }
        if (layer < 0 || layer >= graph.numLayers() || position < 0 || position >= graph.sequenceLength()) {
            throw new IllegalArgumentException("Node (layer " + layer + ", position " + position + ") is outside the "
                    + "graph of " + graph.numLayers() + " layers and " + graph.sequenceLength() + " positions");
        }
        selected = canonical(new Node(layer, position, kind));
        selectedDetails.set(describe(selected));
        draw();
    }

    /** Returns the text of the side panel for the selected node, empty when none is selected. */
    public String selectedNodeDetails() {
        return selectedDetails.get();
    }

    public ReadOnlyStringProperty selectedNodeDetailsProperty() {
        return selectedDetails.getReadOnlyProperty();
    }

    /** Returns the canvas point at the centre of a node's dot. */
    Point2D nodeCentre(int layer, int position, NodeKind kind) {
        if (graph == null) {
            throw new IllegalStateException("No contribution graph is shown");
        }
        return new Point2D(columnX(position), rowY(row(new Node(layer, position, kind))));
    }

    Canvas canvas() {
        return canvas;
    }

    private void updateEdges() {
        double threshold = thresholdSlider.getValue();
        visibleEdges = graph == null ? List.of() : graph.edges(threshold);
        thresholdLabel.setText(String.format(Locale.ROOT, "%.3f", threshold));
        edgeCountLabel.setText(graph == null ? "" : visibleEdges.size() + " edges shown");
        draw();
    }

    /** Returns the node as drawn: {@code resid_pre} of layer L > 0 is {@code resid_post} of layer L - 1. */
    private static Node canonical(Node node) {
        if (node.kind() == NodeKind.RESID_PRE && node.layer() > 0) {
            return new Node(node.layer() - 1, node.position(), NodeKind.RESID_POST);
        }
        return node;
    }

    /** Row from the bottom: 0 embeddings, {@code 2L + 1} attention node of layer L, {@code 2L + 2} its MLP node. */
    private static int row(Node node) {
        return switch (node.kind()) {
            case RESID_PRE -> 2 * node.layer();
            case RESID_MID -> 2 * node.layer() + 1;
            case RESID_POST -> 2 * node.layer() + 2;
        };
    }

    /** Returns the node drawn in {@code row} at {@code position}. */
    private static Node nodeInRow(int row, int position) {
        if (row == 0) {
            return new Node(0, position, NodeKind.RESID_PRE);
        }
        int layer = (row - 1) / 2;
        return new Node(layer, position, row % 2 == 1 ? NodeKind.RESID_MID : NodeKind.RESID_POST);
    }

    private int rowCount() {
        return 2 * graph.numLayers() + 1;
    }

    private double plotWidth() {
        return canvas.getWidth() - LEFT_MARGIN - RIGHT_MARGIN;
    }

    private double plotHeight() {
        return canvas.getHeight() - TOP_MARGIN - BOTTOM_MARGIN;
    }

    private double columnX(int position) {
        return LEFT_MARGIN + (position + 0.5) * plotWidth() / graph.sequenceLength();
    }

    private double rowY(int row) {
        double spacing = plotHeight() / rowCount();
        return TOP_MARGIN + plotHeight() - (row + 0.5) * spacing;
    }

    private void selectAt(double x, double y) {
        if (graph == null) {
            return;
        }
        double bestDistance = CLICK_RADIUS;
        Node best = null;
        for (int row = 0; row < rowCount(); row++) {
            for (int position = 0; position < graph.sequenceLength(); position++) {
                double distance = Math.hypot(x - columnX(position), y - rowY(row));
                if (distance <= bestDistance) {
                    bestDistance = distance;
                    best = nodeInRow(row, position);
                }
            }
        }
        if (best != null) {
            selectNode(best.layer(), best.position(), best.kind());
        }
    }

    private String describe(Node node) {
        String token = "'" + TokenLabels.at(tokenTexts, node.position()) + "'";
        StringBuilder text = new StringBuilder();
        if (node.kind() == NodeKind.RESID_PRE) {
            text.append("Embedding of token ").append(node.position()).append(' ').append(token).append('\n');
            text.append("Input of layer 0; it has no incoming edges.");
            return text.toString();
        }

        LayerContributions layer = graph.layer(node.layer());
        int position = node.position();
        if (node.kind() == NodeKind.RESID_MID) {
            text.append("Layer ").append(node.layer()).append(" attention (resid_mid)\n");
            text.append("Token ").append(position).append(' ').append(token).append('\n');
            text.append(String.format(Locale.ROOT, "Residual weight %.4f%n%nTop heads (weight):%n",
                    layer.attentionResidualWeights()[position]));
            List<HeadContribution> heads = layer.topHeads().get(position);
            for (HeadContribution head : heads) {
                text.append(String.format(Locale.ROOT, "  head %d: %.4f%s%n", head.head(), head.weight(),
                        promotedLine(head.promotedTokens())));
            }
            if (heads.isEmpty()) {
                text.append("  none recorded\n");
            }
        } else {
            text.append("Layer ").append(node.layer()).append(" MLP (resid_post)\n");
            text.append("Token ").append(position).append(' ').append(token).append('\n');
            text.append(String.format(Locale.ROOT, "MLP weight %.4f, residual weight %.4f%n%n",
                    layer.mlpWeights()[position], layer.mlpResidualWeights()[position]));
            text.append("Top neurons (share, activation):\n");
            List<NeuronContribution> neurons = layer.topNeurons().get(position);
            for (NeuronContribution neuron : neurons) {
                text.append(String.format(Locale.ROOT, "  neuron %d: %.4f, %.4g%s%n", neuron.neuron(), neuron.share(),
                        neuron.activation(), promotedLine(neuron.promotedTokens())));
            }
            if (neurons.isEmpty()) {
                text.append("  none recorded\n");
            }
        }
        return text.toString();
    }

    /** {@code " -> promotes 'a' 'b'"}, or nothing when no promoted tokens were computed. */
    private static String promotedLine(List<String> tokens) {
        if (tokens.isEmpty()) {
            return "";
        }
        StringBuilder line = new StringBuilder(" -> promotes");
        for (String token : tokens) {
            line.append(" '").append(token.replace("\n", "\\n")).append('\'');
        }
        return line.toString();
    }

    private void draw() {
        GraphicsContext graphics = canvas.getGraphicsContext2D();
        graphics.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (plotWidth() < 1 || plotHeight() < 1) {
            return;
        }
        if (graph == null) {
            graphics.setFill(TEXT_COLOR);
            graphics.setFont(Font.font(13));
            graphics.setTextAlign(TextAlignment.CENTER);
            graphics.setTextBaseline(VPos.CENTER);
            graphics.fillText("Enter a prompt and press Trace to see its contribution graph", canvas.getWidth() / 2,
                    canvas.getHeight() / 2);
            return;
        }

        drawEdges(graphics);
        drawNodes(graphics);
        drawAxes(graphics);
    }

    private void drawEdges(GraphicsContext graphics) {
        graphics.setLineCap(StrokeLineCap.ROUND);
        for (Edge edge : visibleEdges) {
            double weight = Math.max(0, Math.min(1, edge.weight()));
            Color base = switch (edge.kind()) {
                case ATTENTION -> ATTENTION_COLOR;
                case MLP -> MLP_COLOR;
                case ATTENTION_RESIDUAL, MLP_RESIDUAL -> RESIDUAL_COLOR;
            };
            // Skip connections carry most of the weight into most nodes, so they are drawn fainter
            // and thinner than attention and MLP edges, which would otherwise be hidden behind them.
            boolean skip = base == RESIDUAL_COLOR;
            graphics.setStroke(base.deriveColor(0, 1, 1, skip ? 0.1 + 0.4 * weight : 0.15 + 0.85 * weight));
            graphics.setLineWidth(skip ? 0.5 + 2 * weight : 0.5 + 4.5 * weight);
            Node from = edge.from();
            Node to = edge.to();
            graphics.strokeLine(columnX(from.position()), rowY(row(from)), columnX(to.position()), rowY(row(to)));
        }
    }

    private void drawNodes(GraphicsContext graphics) {
        for (int row = 0; row < rowCount(); row++) {
            for (int position = 0; position < graph.sequenceLength(); position++) {
                Node node = nodeInRow(row, position);
                boolean isSelected = node.equals(selected);
                double radius = isSelected ? NODE_RADIUS + 2 : NODE_RADIUS;
                graphics.setFill(isSelected ? SELECTED_COLOR : NODE_COLOR);
                graphics.fillOval(columnX(position) - radius, rowY(row) - radius, 2 * radius, 2 * radius);
            }
        }
    }

    private void drawAxes(GraphicsContext graphics) {
        graphics.setFill(TEXT_COLOR);
        graphics.setFont(AXIS_FONT);

        graphics.setTextAlign(TextAlignment.RIGHT);
        graphics.setTextBaseline(VPos.CENTER);
        double rowSpacing = plotHeight() / rowCount();
        int rowStep = Math.max(1, (int) Math.ceil(MIN_ROW_LABEL_SPACING / rowSpacing));
        for (int row = 0; row < rowCount(); row += rowStep) {
            graphics.fillText(rowLabel(row), LEFT_MARGIN - 8, rowY(row));
        }

        double columnWidth = plotWidth() / graph.sequenceLength();
        graphics.setTextAlign(TextAlignment.CENTER);
        graphics.setTextBaseline(VPos.TOP);
        double labelY = TOP_MARGIN + plotHeight() + 4;
        for (int position = 0; position < graph.sequenceLength(); position++) {
            String label = TokenLabels.at(tokenTexts, position);
            double x = columnX(position);
            // Alternate two lines so that neighbouring labels overlap less on long prompts.
            double y = labelY + (position % 2) * 14;
            graphics.fillText(label, x, y, Math.max(columnWidth * 2 - 4, 8));
        }
    }

    private static String rowLabel(int row) {
        if (row == 0) {
            return "embed";
        }
        int layer = (row - 1) / 2;
        return "L" + layer + (row % 2 == 1 ? " attn" : " mlp");
    }
}
