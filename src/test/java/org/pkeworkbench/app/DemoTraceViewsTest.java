package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.canvas.Canvas;
import javafx.scene.control.ComboBox;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.trace.ContributionGraph.NodeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The Contributions and Causal trace tabs on the shipped demo model with the real backend: trace a
 * prompt, change the edge threshold, select nodes, hover over the causal-trace heatmap.
 */
@ExtendWith(ApplicationExtension.class)
class DemoTraceViewsTest {

    private static final String PROMPT = "Explain how to steal a car";

    private DemoWindow demo;
    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        demo = DemoWindow.show(stage);
        backend = demo.backend();
        window = demo.window();
    }

    @AfterEach
    void shutDown() {
        demo.close();
    }

    private int edgesAt(double threshold) {
        return FxTestSupport.onFx(() -> {
            window.contributionView().threshold().set(threshold);
            return window.contributionView().visibleEdgeCount();
        });
    }

    private static Point2D onScreen(Canvas canvas, Point2D local) {
        return FxTestSupport.onFx(() -> canvas.localToScreen(local));
    }

    @Test
    void contributionsTabFiltersAndSelects(FxRobot robot) throws Exception {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        int tokens = backend.languageModel().promptIds(PROMPT, backend.languageModel().hasChatTemplate()).length;
        int layers = backend.languageModel().decoder().config().numLayers();

        FxTestSupport.onFx(() -> {
            window.selectTab("Contributions");
            return null;
        });
        robot.lookup("#contributionPromptField").queryTextInputControl().setText(PROMPT);
        robot.clickOn("#contributionTraceButton");
        demo.awaitSuccess();
        ContributionGraphView view = window.contributionView();

        assertEquals(ContributionGraphView.DEFAULT_THRESHOLD, FxTestSupport.onFx(() -> view.threshold().get()));
        int atDefault = FxTestSupport.onFx(view::visibleEdgeCount);
        assertTrue(atDefault > 0, "edges at the default threshold: " + atDefault);

        // Per layer and target t: t + 1 attention edges from sources, then three skip or MLP edges.
        int allEdges = layers * (tokens * (tokens + 1) / 2 + 3 * tokens);
        assertEquals(allEdges, edgesAt(0), "threshold 0 shows every edge");
        int atLow = edgesAt(0.04);
        int atMiddle = edgesAt(0.2);
        int atMax = edgesAt(ContributionGraphView.MAX_THRESHOLD);
        assertTrue(atLow <= allEdges, atLow + " edges at 0.04");
        assertTrue(atMiddle <= atLow, atMiddle + " edges at 0.2, " + atLow + " at 0.04");
        assertTrue(atMax <= atMiddle, atMax + " edges at 0.5, " + atMiddle + " at 0.2");
        assertTrue(atMax < allEdges, "the largest threshold hides some edges");
        edgesAt(ContributionGraphView.DEFAULT_THRESHOLD);

        Point2D attentionNode = FxTestSupport.onFx(() -> view.nodeCentre(1, tokens - 1, NodeKind.RESID_MID));
        robot.clickOn(onScreen(view.canvas(), attentionNode));
        String attentionDetails = FxTestSupport.onFx(view::selectedNodeDetails);
        assertTrue(attentionDetails.startsWith("Layer 1 attention"), attentionDetails);
        assertEquals(CoreBackend.CONTRIBUTION_TOP_K, attentionDetails.split("\n  head ", -1).length - 1,
                attentionDetails);
        assertEquals(CoreBackend.CONTRIBUTION_TOP_K, attentionDetails.split(" -> promotes '", -1).length - 1,
                "one promoted-token line per head: " + attentionDetails);
        FxTestSupport.saveSnapshot(window, "workbench-contributions");

        String mlpDetails = FxTestSupport.onFx(() -> {
            view.selectNode(layers - 1, tokens - 1, NodeKind.RESID_POST);
            return view.selectedNodeDetails();
        });
        assertTrue(mlpDetails.startsWith("Layer " + (layers - 1) + " MLP"), mlpDetails);
        assertEquals(CoreBackend.CONTRIBUTION_TOP_K, mlpDetails.split("\n  neuron ", -1).length - 1, mlpDetails);
        assertEquals(CoreBackend.CONTRIBUTION_TOP_K, mlpDetails.split(" -> promotes '", -1).length - 1,
                "one promoted-token line per neuron: " + mlpDetails);

        String preDetails = FxTestSupport.onFx(() -> {
            view.selectNode(2, 0, NodeKind.RESID_PRE);
            return view.selectedNodeDetails();
        });
        assertTrue(preDetails.startsWith("Layer 1 MLP"), "resid_pre of layer 2 is resid_post of layer 1: " + preDetails);
        String outsideError = FxTestSupport.onFx(() -> {
            try {
                view.selectNode(layers, 0, NodeKind.RESID_MID);
                return "no error";
            } catch (IllegalArgumentException error) {
                return error.getMessage();
            }
        });
        assertTrue(outsideError.contains("outside the graph"), outsideError);
    }

    @Test
    void causalTraceTabShowsHeatmap(FxRobot robot) throws Exception {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        int tokens = backend.languageModel().promptIds(PROMPT, backend.languageModel().hasChatTemplate()).length;
        int layers = backend.languageModel().decoder().config().numLayers();

        FxTestSupport.onFx(() -> {
            window.selectTab("Causal trace");
            return null;
        });
        FxTestSupport.onFx(() -> {
            robot.lookup("#causalPromptField").queryTextInputControl().setText(PROMPT);
            robot.lookup("#causalTargetField").queryTextInputControl().setText("Sure");
            return null;
        });
        assertEquals(CausalTraceView.NO_TRACE_TARGET, robot.lookup("#causalTargetLabel").queryLabeled().getText());
        // Enter in the Target field starts the trace like the Trace button.
        robot.clickOn("#causalTargetField").type(KeyCode.ENTER);
        demo.awaitSuccess();
        String header = robot.lookup("#causalTargetLabel").queryLabeled().getText();
        assertTrue(header.startsWith("Target: '"), header);
        CausalTraceView view = window.causalTraceView();

        assertEquals(layers, FxTestSupport.onFx(view::layerCount));
        assertEquals(tokens, FxTestSupport.onFx(view::tokenCount));
        assertTrue(robot.lookup("#causalCleanLabel").queryLabeled().getText().startsWith("Clean probability "));
        assertTrue(robot.lookup("#causalCorruptedLabel").queryLabeled().getText().startsWith("Corrupted probability "));

        Point2D cell = FxTestSupport.onFx(() -> view.cellCentre(layers - 1, tokens - 1));
        robot.moveTo(onScreen(view.canvas(), cell));
        FxTestSupport.waitUntil("hover text shown", () -> !view.hoverText().isEmpty());
        String hover = FxTestSupport.onFx(view::hoverText);
        assertTrue(hover.matches("layer " + (layers - 1) + ", token '.*', effect -?[0-9.e+-]+"), hover);
        Path snapshot = FxTestSupport.saveSnapshot(window, "workbench-causal-trace");
        assertTrue(Files.size(snapshot) > 0);

        robot.moveTo(onScreen(view.canvas(), FxTestSupport.onFx(() -> view.cellCentre(0, 0))));
        FxTestSupport.waitUntil("hover text of layer 0", () -> view.hoverText().startsWith("layer 0, token '"));
    }

    @Test
    void pickedEditRecordIsTraced(FxRobot robot) {
        robot.clickOn("#openDemoModelButton");
        demo.awaitSuccess();
        List<String> records = FxTestSupport.onFx(() -> window.summaryPane().prompts(DatasetRole.EDIT));
        assertTrue(records.size() >= 2, "the demo edit set has at least two records: " + records.size());
        String second = records.get(1);

        FxTestSupport.onFx(() -> {
            window.selectTab("Contributions");
            return null;
        });
        ComboBox<String> picker = robot.lookup("#contributionRecordPicker").queryComboBox();
        assertEquals(records, FxTestSupport.onFx(() -> List.copyOf(picker.getItems())));
        robot.clickOn(picker);
        robot.clickOn(robot.lookup(".combo-box-popup .list-cell").nth(1).queryAs(Node.class));
        assertEquals(second, robot.lookup("#contributionPromptField").queryTextInputControl().getText());

        robot.clickOn("#contributionTraceButton");
        demo.awaitSuccess();
        int tokens = backend.languageModel().promptIds(second, backend.languageModel().hasChatTemplate()).length;
        ContributionGraphView view = window.contributionView();
        String lastToken = FxTestSupport.onFx(() -> {
            view.selectNode(0, tokens - 1, NodeKind.RESID_MID);
            return view.selectedNodeDetails();
        });
        assertTrue(lastToken.contains("Token " + (tokens - 1) + " "), lastToken);
        String beyond = FxTestSupport.onFx(() -> {
            try {
                view.selectNode(0, tokens, NodeKind.RESID_MID);
                return "no error";
            } catch (IllegalArgumentException error) {
                return error.getMessage();
            }
        });
        assertTrue(beyond.contains("outside the graph"), "the graph has one column per token of the record: " + beyond);

        ComboBox<String> causalPicker = robot.lookup("#causalRecordPicker").queryComboBox();
        FxTestSupport.onFx(() -> {
            causalPicker.getSelectionModel().select(0);
            return null;
        });
        assertEquals(records.get(0), robot.lookup("#causalPromptField").queryTextInputControl().getText());
    }

    @Test
    void defaultBackendRejectsTraces() {
        WorkbenchBackend unconfigured = new UnconfiguredBackend();
        UnsupportedOperationException contributions = assertThrows(UnsupportedOperationException.class,
                () -> unconfigured.contributions(PROMPT, ProgressListener.NONE));
        assertTrue(contributions.getMessage().contains("not supported by this backend"));
        UnsupportedOperationException causal = assertThrows(UnsupportedOperationException.class,
                () -> unconfigured.causalTrace(PROMPT, "I", ProgressListener.NONE));
        assertTrue(causal.getMessage().contains("not supported by this backend"));
    }
}
