package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.locate.HotSpot;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** A region dragged on the window's heatmap reaches the window's hot spot table. */
@ExtendWith(ApplicationExtension.class)
class WorkbenchHeatmapSelectionTest {

    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        window = new WorkbenchWindow(new SeededTestBackend());
        stage.setScene(new Scene(window, 1280, 800));
        stage.show();
    }

    @AfterEach
    void shutDown() {
        FxTestSupport.onFx(() -> {
            window.shutdown();
            return null;
        });
    }

    @Test
    void heatmapRegionTicksHotSpots(FxRobot robot) {
        FxTestSupport.onFx(() -> {
            window.heatmap().setData(SeededTestBackend.seededLocateResult(5, 172).neuronScores());
            return null;
        });
        Labeled neuronTab = FxTestSupport.onFx(() -> robot.lookup(".tab-pane .tab-label").queryAllAs(Labeled.class).stream()
                .filter(label -> "Neurons".equals(label.getText()))
                .findFirst()
                .orElseThrow());
        robot.clickOn(neuronTab);
        FxTestSupport.waitUntil("heatmap drawn", () -> window.heatmap().grid().isPresent());

        robot.drag(screenPoint(0, 100), MouseButton.PRIMARY).dropTo(screenPoint(1, 104));

        FxTestSupport.waitUntil("hot spots added", () -> window.hotSpotTable().selectedCountProperty().get() == 2);
        List<Integer> neurons = IntStream.rangeClosed(100, 104).boxed().toList();
        assertEquals(List.of(new HotSpot(0, neurons), new HotSpot(1, neurons)),
                FxTestSupport.onFx(() -> window.hotSpotTable().selectedHotSpots()));
    }

    private Point2D screenPoint(int layer, int neuron) {
        NeuronHeatmapView heatmap = window.heatmap();
        return FxTestSupport.onFx(() -> heatmap.canvas().localToScreen(heatmap.cellCentre(layer, neuron)));
    }
}
