package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class NeuronHeatmapViewTest {

    private NeuronHeatmapView view;

    @Start
    void start(Stage stage) {
        view = new NeuronHeatmapView();
        stage.setScene(new Scene(view, 900, 420));
        stage.show();
    }

    @Test
    void hoverShowsLayerNeuronValue(FxRobot robot) {
        float[][] scores = SeededTestBackend.seededLocateResult(5, 172).neuronScores();
        FxTestSupport.onFx(() -> {
            view.setData(scores);
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());
        assertEquals(172, FxTestSupport.onFx(() -> view.grid().orElseThrow().columns()), "no downsampling at 900 px");

        robot.moveTo(screenPoint(3, 100));

        String expected = String.format(Locale.ROOT, "layer 3, neuron 100, value %.4g", scores[3][100]);
        FxTestSupport.waitUntil("hover label updated", () -> view.hoverText().equals(expected));
        assertEquals(expected, robot.lookup("#heatmapHoverLabel").queryLabeled().getText());
    }

    @Test
    void downsampledLargeMatrixRendersPeak(FxRobot robot) {
        int layers = 32;
        int neurons = 14_336;
        Random random = new Random(11);
        float[][] scores = new float[layers][neurons];
        for (float[] row : scores) {
            for (int neuron = 0; neuron < neurons; neuron++) {
                row[neuron] = random.nextFloat();
            }
        }
        scores[7][10_000] = 50f;
        FxTestSupport.onFx(() -> {
            view.setData(scores);
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());

        HeatmapGrid grid = FxTestSupport.onFx(() -> view.grid().orElseThrow());
        assertTrue(grid.columns() < neurons, "columns " + grid.columns());
        assertEquals(layers, grid.rows());
        assertEquals(50f, grid.maxMagnitude());

        robot.moveTo(screenPoint(7, 10_000));
        FxTestSupport.waitUntil("hover over the peak", () -> view.hoverText().startsWith("layer 7, neuron 10000, value 50.00"));

        Point2D peak = FxTestSupport.onFx(() -> view.cellCentre(7, 10_000));
        WritableImage snapshot = FxTestSupport.onFx(() -> view.canvas().snapshot(null, null));
        Color peakColor = snapshot.getPixelReader().getColor((int) peak.getX(), (int) peak.getY());
        Color top = ColorScale.colorAt(1);
        assertEquals(top.getRed(), peakColor.getRed(), 0.02);
        assertEquals(top.getGreen(), peakColor.getGreen(), 0.02);
        assertEquals(top.getBlue(), peakColor.getBlue(), 0.02);

        Point2D other = FxTestSupport.onFx(() -> view.cellCentre(20, 3_000));
        Color otherColor = snapshot.getPixelReader().getColor((int) other.getX(), (int) other.getY());
        assertTrue(otherColor.getRed() < 0.5, "a cell of values below 1 is far from the top colour: " + otherColor);
    }

    @Test
    void hoverOutsidePlotClearsLabel(FxRobot robot) {
        FxTestSupport.onFx(() -> {
            view.setData(SeededTestBackend.seededLocateResult(5, 172).neuronScores());
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());
        robot.moveTo(screenPoint(2, 50));
        FxTestSupport.waitUntil("hover label set", () -> !view.hoverText().isEmpty());

        Point2D corner = FxTestSupport.onFx(() -> view.canvas().localToScreen(2, 2));
        robot.moveTo(corner);

        FxTestSupport.waitUntil("hover label cleared", () -> view.hoverText().isEmpty());
    }

    private Point2D screenPoint(int layer, int neuron) {
        return FxTestSupport.onFx(() -> view.canvas().localToScreen(view.cellCentre(layer, neuron)));
    }
}
