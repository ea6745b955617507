package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.trace.CausalTraceResult;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.ContributionGraph.NodeKind;
import org.pkeworkbench.trace.HeadContribution;
import org.pkeworkbench.trace.LayerContributions;
import org.pkeworkbench.trace.NeuronContribution;
import org.pkeworkbench.trace.RestoredState;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The contribution graph and causal trace views on small hand-built results with known weights. */
@ExtendWith(ApplicationExtension.class)
class TraceViewsTest {

    private ContributionGraphView graphView;
    private CausalTraceView causalView;

    @Start
    void start(Stage stage) {
        graphView = new ContributionGraphView();
        causalView = new CausalTraceView();
        graphView.setPrefSize(700, 500);
        causalView.setPrefSize(500, 500);
        stage.setScene(new Scene(new HBox(graphView, causalView), 1200, 500));
        stage.show();
    }

    /** Builds one layer over two tokens: token 1 reads 0.6 from token 0, 0.1 from itself and 0.3 through the skip. */
    private static ContributionGraph twoTokenGraph() {
        LayerContributions layer = new LayerContributions(
                new double[][] {{0.2}, {0.6, 0.1}},
                new double[] {0.8, 0.3},
                new double[] {0.05, 0.45},
                new double[] {0.95, 0.55},
                List.of(List.of(new HeadContribution(0, 0.2)), List.of(new HeadContribution(3, 0.5),
                        new HeadContribution(1, 0.2))),
                List.of(List.of(new NeuronContribution(7, 1.5, 3.0, 0.25)), List.of()));
        return new ContributionGraph(new long[] {5, 9}, List.of(layer));
    }

    private int edgesAt(double threshold) {
        return FxTestSupport.onFx(() -> {
            graphView.threshold().set(threshold);
            return graphView.visibleEdgeCount();
        });
    }

    @Test
    void graphViewCountsEdgesAboveThreshold() {
        FxTestSupport.onFx(() -> {
            graphView.setGraph(twoTokenGraph(), List.of("a", "\n"));
            return null;
        });

        assertEquals(9, edgesAt(0));
        assertEquals(9, edgesAt(0.05));
        assertEquals(8, edgesAt(0.1));
        assertEquals(6, edgesAt(0.25));
        assertEquals(4, edgesAt(0.5));
    }

    @Test
    void graphViewShowsClickedNodeDetails(FxRobot robot) {
        FxTestSupport.onFx(() -> {
            graphView.setGraph(twoTokenGraph(), List.of("a", "\n"));
            return null;
        });

        Point2D node = FxTestSupport.onFx(() -> graphView.canvas().localToScreen(
                graphView.nodeCentre(0, 1, NodeKind.RESID_MID)));
        robot.clickOn(node);
        String attention = FxTestSupport.onFx(graphView::selectedNodeDetails);
        assertTrue(attention.startsWith("Layer 0 attention (resid_mid)\nToken 1 '\\n'\n"), attention);
        assertTrue(attention.contains("  head 3: 0.5000\n  head 1: 0.2000\n"), attention);

        String mlp = FxTestSupport.onFx(() -> {
            graphView.selectNode(0, 0, NodeKind.RESID_POST);
            return graphView.selectedNodeDetails();
        });
        assertTrue(mlp.contains("MLP weight 0.0500, residual weight 0.9500"), mlp);
        assertTrue(mlp.contains("  neuron 7: 0.2500, 1.500\n"), mlp);

        String emptyMlp = FxTestSupport.onFx(() -> {
            graphView.selectNode(0, 1, NodeKind.RESID_POST);
            return graphView.selectedNodeDetails();
        });
        assertTrue(emptyMlp.contains("  none recorded"), emptyMlp);
    }

    @Test
    void graphViewHintsUntilNodeSelected(FxRobot robot) {
        Label hint = robot.lookup("#contributionDetailsHint").queryAs(Label.class);
        assertEquals(ContributionGraphView.NO_GRAPH_HINT, FxTestSupport.onFx(hint::getText));
        assertTrue(FxTestSupport.onFx(hint::isVisible), "hint shown before a trace");

        FxTestSupport.onFx(() -> {
            graphView.setGraph(twoTokenGraph(), List.of("a", "\n"));
            return null;
        });
        assertEquals(ContributionGraphView.NO_SELECTION_HINT, FxTestSupport.onFx(hint::getText));
        assertTrue(FxTestSupport.onFx(hint::isVisible), "hint shown before a node is clicked");

        Point2D node = FxTestSupport.onFx(() -> graphView.canvas().localToScreen(
                graphView.nodeCentre(0, 1, NodeKind.RESID_MID)));
        robot.clickOn(node);
        assertFalse(FxTestSupport.onFx(hint::isVisible), "hint hidden while a node is selected");

        FxTestSupport.onFx(() -> {
            graphView.setGraph(twoTokenGraph(), List.of("a", "\n"));
            return null;
        });
        assertTrue(FxTestSupport.onFx(hint::isVisible), "hint back after a new graph");
    }

    @Test
    void graphViewRejectsMismatchedTokenTexts() {
        String message = FxTestSupport.onFx(() -> {
            try {
                graphView.setGraph(twoTokenGraph(), List.of("a"));
                return "no error";
            } catch (IllegalArgumentException error) {
                return error.getMessage();
            }
        });
        assertEquals("Got 1 token texts for a graph of 2 positions; give one text per position", message);
    }

    @Test
    void causalViewHeaderBeforeTrace(FxRobot robot) {
        assertEquals(CausalTraceView.NO_TRACE_TARGET, robot.lookup("#causalTargetLabel").queryLabeled().getText());
        assertEquals("", robot.lookup("#causalCleanLabel").queryLabeled().getText());
        assertEquals("", robot.lookup("#causalCorruptedLabel").queryLabeled().getText());
    }

    @Test
    void causalViewHoverNamesCell(FxRobot robot) {
        CausalTraceResult result = new CausalTraceResult(new long[] {5, 9, 11}, new String[] {"a", "b", "c"}, 42, "x",
                0, 3, 0.5, RestoredState.RESID_POST, 1, 0.9, 0.1,
                new double[][] {{0.1, 0.6, 0.2}, {0.3, 0.2, 0.1}},
                new double[][] {{0.0, -0.5, 0.1}, {0.2, 0.1, 0.0}});
        FxTestSupport.onFx(() -> {
            causalView.setResult(result);
            return null;
        });

        assertEquals(2, FxTestSupport.onFx(causalView::layerCount));
        assertEquals(3, FxTestSupport.onFx(causalView::tokenCount));
        assertEquals("Clean probability 0.9000", robot.lookup("#causalCleanLabel").queryLabeled().getText());
        assertEquals("Corrupted probability 0.1000", robot.lookup("#causalCorruptedLabel").queryLabeled().getText());

        robot.moveTo(FxTestSupport.onFx(() -> causalView.canvas().localToScreen(causalView.cellCentre(0, 1))));
        FxTestSupport.waitUntil("hover over layer 0, token 1",
                () -> "layer 0, token 'b', effect -0.5000".equals(causalView.hoverText()));
        robot.moveTo(FxTestSupport.onFx(() -> causalView.canvas().localToScreen(causalView.cellCentre(1, 0))));
        FxTestSupport.waitUntil("hover over layer 1, token 0",
                () -> "layer 1, token 'a', effect 0.2000".equals(causalView.hoverText()));
    }
}
