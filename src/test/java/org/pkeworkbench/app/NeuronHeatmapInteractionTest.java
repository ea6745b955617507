package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javafx.geometry.Point2D;
import javafx.geometry.VerticalDirection;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.w3c.dom.Document;

/** Zoom, pan, statistic choice, region selection and export of {@link NeuronHeatmapView}. */
@ExtendWith(ApplicationExtension.class)
class NeuronHeatmapInteractionTest {

    private static final int LARGE_LAYERS = 32;
    private static final int LARGE_NEURONS = 14_336;

    private NeuronHeatmapView view;

    @Start
    void start(Stage stage) {
        view = new NeuronHeatmapView();
        stage.setScene(new Scene(view, 900, 420));
        stage.show();
    }

    @Test
    void zoomRevealsExactNeuronsAndResetRestores(FxRobot robot) {
        float[][] scores = largeScores();
        show(scores);
        assertEquals(new NeuronRange(0, LARGE_NEURONS), range());
        assertTrue(FxTestSupport.onFx(() -> view.grid().orElseThrow().columns()) < LARGE_NEURONS, "downsampled before zoom");

        double anchorX = FxTestSupport.onFx(() -> view.cellCentre(7, 10_000).getX());
        FxTestSupport.onFx(() -> {
            view.zoom(64, anchorX);
            return null;
        });

        NeuronRange zoomed = range();
        assertEquals(LARGE_NEURONS / 64, zoomed.size());
        assertTrue(zoomed.start() <= 10_000, "anchor neuron stays visible: " + zoomed);
        assertTrue(10_000 < zoomed.end(), "anchor neuron stays visible: " + zoomed);
        HeatmapGrid grid = FxTestSupport.onFx(() -> view.grid().orElseThrow());
        assertEquals(zoomed, grid.range());
        assertEquals(zoomed.size(), grid.columns(), "one column per neuron after zoom");

        int neuron = zoomed.start() + 17;
        robot.moveTo(screenPoint(12, neuron));
        String expected = String.format(Locale.ROOT, "layer 12, neuron %d, value %.4g", neuron, scores[12][neuron]);
        FxTestSupport.waitUntil("hover names the exact neuron", () -> view.hoverText().equals(expected));

        robot.clickOn("#heatmapZoomReset");
        FxTestSupport.waitUntil("zoom reset", () -> view.visibleNeuronRange().orElseThrow().size() == LARGE_NEURONS);
        assertEquals(new NeuronRange(0, LARGE_NEURONS), range());
    }

    @Test
    void zoomButtonsAndWheelChangeRange(FxRobot robot) {
        show(largeScores());

        robot.clickOn("#heatmapZoomIn");
        FxTestSupport.waitUntil("zoomed in by the button", () -> view.visibleNeuronRange().orElseThrow().size() == LARGE_NEURONS / 2);
        robot.clickOn("#heatmapZoomOut");
        FxTestSupport.waitUntil("zoomed out by the button", () -> view.visibleNeuronRange().orElseThrow().size() == LARGE_NEURONS);

        // NOTE: under headless Monocle a robot wheel step UP arrives as deltaY -1, so this checks only
        // that the wheel changes the zoom, not by how much or in which direction.
        robot.clickOn("#heatmapZoomIn");
        FxTestSupport.waitUntil("zoomed in by the button", () -> view.visibleNeuronRange().orElseThrow().size() == LARGE_NEURONS / 2);
        robot.moveTo(screenPoint(5, range().start() + 100));
        robot.scroll(3, VerticalDirection.UP);
        FxTestSupport.waitUntil("zoom changed by the wheel", () -> view.visibleNeuronRange().orElseThrow().size() != LARGE_NEURONS / 2);
    }

    @Test
    void secondaryDragPansRange(FxRobot robot) {
        show(largeScores());
        double anchorX = FxTestSupport.onFx(() -> view.cellCentre(0, 7_000).getX());
        FxTestSupport.onFx(() -> {
            view.zoom(16, anchorX);
            return null;
        });
        NeuronRange before = range();

        Point2D from = screenPoint(10, before.start() + before.size() / 2);
        robot.drag(from, MouseButton.SECONDARY).dropTo(from.add(-200, 0));

        NeuronRange after = range();
        assertEquals(before.size(), after.size(), "panning keeps the zoom");
        assertTrue(after.start() > before.start(), "dragging left shows later neurons: " + before + " -> " + after);
    }

    @Test
    void shiftDragPansRange(FxRobot robot) {
        show(largeScores());
        double anchorX = FxTestSupport.onFx(() -> view.cellCentre(0, 7_000).getX());
        FxTestSupport.onFx(() -> {
            view.zoom(16, anchorX);
            return null;
        });
        NeuronRange before = range();
        List<List<HotSpot>> selections = new ArrayList<>();
        FxTestSupport.onFx(() -> {
            view.setOnRegionSelected(selections::add);
            return null;
        });

        Point2D from = screenPoint(10, before.start() + before.size() / 2);
        robot.press(KeyCode.SHIFT);
        try {
            robot.drag(from, MouseButton.PRIMARY).dropTo(from.add(200, 0));
        } finally {
            robot.release(KeyCode.SHIFT);
        }

        NeuronRange after = range();
        assertEquals(before.size(), after.size(), "panning keeps the zoom");
        assertTrue(after.start() < before.start(), "dragging right shows earlier neurons: " + before + " -> " + after);
        assertTrue(FxTestSupport.onFx(selections::isEmpty), "a Shift drag pans and selects nothing");
    }

    @Test
    void statisticSwitchChangesHover(FxRobot robot) {
        float[][] score = SeededTestBackend.seededLocateResult(5, 172).neuronScores();
        float[][] activation = new float[5][172];
        for (int layer = 0; layer < 5; layer++) {
            for (int neuron = 0; neuron < 172; neuron++) {
                activation[layer][neuron] = -(layer * 1000 + neuron);
            }
        }
        Map<String, float[][]> statistics = new LinkedHashMap<>();
        statistics.put(NeuronHeatmapView.DEFAULT_STATISTIC, score);
        statistics.put("mean activation", activation);
        FxTestSupport.onFx(() -> {
            view.setStatistics(statistics);
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());
        assertEquals(List.of(NeuronHeatmapView.DEFAULT_STATISTIC, "mean activation"), FxTestSupport.onFx(view::statisticNames));

        Point2D cell = screenPoint(2, 60);
        robot.moveTo(cell);
        String scoreText = String.format(Locale.ROOT, "layer 2, neuron 60, value %.4g", score[2][60]);
        FxTestSupport.waitUntil("hover shows the score", () -> view.hoverText().equals(scoreText));

        FxTestSupport.onFx(() -> {
            view.selectStatistic("mean activation");
            return null;
        });
        robot.moveTo(cell.add(0, 5)).moveTo(cell);

        String activationText = String.format(Locale.ROOT, "layer 2, neuron 60, value %.4g", -2060f);
        FxTestSupport.waitUntil("hover shows the activation", () -> view.hoverText().equals(activationText));
        assertEquals("mean activation", FxTestSupport.onFx(() -> view.selectedStatistic().orElseThrow()));
    }

    @Test
    void dragRegionAddsHotSpotsToTable(FxRobot robot) {
        LocateResult result = SeededTestBackend.seededLocateResult(5, 172);
        HotSpotTableView table = FxTestSupport.onFx(() -> {
            HotSpotTableView created = new HotSpotTableView();
            created.setResult(result);
            return created;
        });
        List<List<HotSpot>> selections = new ArrayList<>();
        FxTestSupport.onFx(() -> {
            view.setOnRegionSelected(hotSpots -> {
                selections.add(hotSpots);
                table.addHotSpots(hotSpots);
            });
            view.setData(result.neuronScores());
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());

        robot.drag(screenPoint(1, 20), MouseButton.PRIMARY).dropTo(screenPoint(3, 40));

        FxTestSupport.waitUntil("region reported", () -> selections.size() == 1);
        List<Integer> neurons = IntStream.rangeClosed(20, 40).boxed().toList();
        assertEquals(List.of(new HotSpot(1, neurons), new HotSpot(2, neurons), new HotSpot(3, neurons)), selections.get(0));

        List<HotSpot> ticked = FxTestSupport.onFx(table::selectedHotSpots);
        assertEquals(List.of(1, 2, 3), ticked.stream().map(HotSpot::layer).toList(), "rows of the selected layers are ticked");
        for (HotSpot hotSpot : ticked) {
            assertTrue(hotSpot.neurons().containsAll(neurons), "layer " + hotSpot.layer() + " has the dragged neurons");
        }
        assertEquals(5, FxTestSupport.onFx(table::rowCount), "existing rows were merged, not duplicated");
    }

    @Test
    void exportsWriteReadableFiles(@TempDir Path directory) throws Exception {
        float[][] scores = SeededTestBackend.seededLocateResult(5, 172).neuronScores();
        show(scores);
        Path png = directory.resolve("heatmap.png");
        Path svg = directory.resolve("heatmap.svg");
        Path csv = directory.resolve("out/heatmap.csv");
        Path json = directory.resolve("heatmap.json");

        FxTestSupport.onFx(() -> {
            view.exportPng(png);
            view.exportSvg(svg);
            view.exportCsv(csv);
            view.exportJson(json);
            return null;
        });

        BufferedImage image = ImageIO.read(png.toFile());
        double canvasWidth = FxTestSupport.onFx(() -> view.canvas().getWidth());
        double canvasHeight = FxTestSupport.onFx(() -> view.canvas().getHeight());
        assertEquals((int) Math.round(canvasWidth), image.getWidth());
        assertEquals((int) Math.round(canvasHeight), image.getHeight());

        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        HeatmapGrid grid = FxTestSupport.onFx(() -> view.grid().orElseThrow());
        assertEquals("svg", document.getDocumentElement().getTagName());
        assertEquals(grid.rows() * grid.columns(), document.getElementsByTagName("rect").getLength());

        List<String> lines = Files.readAllLines(csv);
        assertEquals("layer,neuron,value", lines.get(0));
        assertEquals(1 + 5 * 172, lines.size());
        assertEquals("3,100," + scores[3][100], lines.get(1 + 3 * 172 + 100));

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(NeuronHeatmapView.DEFAULT_STATISTIC, root.get("statistic").asText());
        assertEquals(5, root.get("values").size());
        assertEquals(172, root.get("values").get(0).size());
        assertEquals(scores[4][7], root.get("values").get(4).get(7).floatValue());

        try (Stream<Path> files = Files.walk(directory)) {
            assertFalse(files.anyMatch(file -> file.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void largeMatrixRendersPeakAfterZoom() {
        float[][] scores = largeScores();
        scores[7][10_000] = 50f;
        show(scores);
        double anchorX = FxTestSupport.onFx(() -> view.cellCentre(7, 10_000).getX());
        FxTestSupport.onFx(() -> {
            view.zoom(40, anchorX);
            return null;
        });

        HeatmapGrid grid = FxTestSupport.onFx(() -> view.grid().orElseThrow());
        assertEquals(range(), grid.range());
        assertEquals(LARGE_LAYERS, grid.rows());
        assertEquals(50f, grid.maxMagnitude());

        Point2D peak = FxTestSupport.onFx(() -> view.cellCentre(7, 10_000));
        WritableImage snapshot = FxTestSupport.onFx(() -> view.canvas().snapshot(null, null));
        Color peakColor = snapshot.getPixelReader().getColor((int) peak.getX(), (int) peak.getY());
        Color top = ColorScale.colorAt(1);
        assertEquals(top.getRed(), peakColor.getRed(), 0.02);
        assertEquals(top.getGreen(), peakColor.getGreen(), 0.02);
        assertEquals(top.getBlue(), peakColor.getBlue(), 0.02);

        Point2D neighbour = FxTestSupport.onFx(() -> view.cellCentre(7, 10_001));
        assertNotEquals((int) peak.getX(), (int) neighbour.getX(), "neighbouring neurons get separate pixels");
        Color neighbourColor = snapshot.getPixelReader().getColor((int) neighbour.getX(), (int) neighbour.getY());
        assertTrue(neighbourColor.getRed() < 0.5, "a neuron below 1 is far from the top colour: " + neighbourColor);
    }

    private void show(float[][] scores) {
        FxTestSupport.onFx(() -> {
            view.setData(scores);
            return null;
        });
        FxTestSupport.waitUntil("heatmap drawn", () -> view.grid().isPresent());
    }

    private NeuronRange range() {
        return FxTestSupport.onFx(() -> view.visibleNeuronRange().orElseThrow());
    }

    private Point2D screenPoint(int layer, int neuron) {
        return FxTestSupport.onFx(() -> view.canvas().localToScreen(view.cellCentre(layer, neuron)));
    }

    private static float[][] largeScores() {
        Random random = new Random(11);
        float[][] scores = new float[LARGE_LAYERS][LARGE_NEURONS];
        for (float[] row : scores) {
            for (int neuron = 0; neuron < LARGE_NEURONS; neuron++) {
                row[neuron] = random.nextFloat();
            }
        }
        return scores;
    }
}
