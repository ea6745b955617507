package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class HotSpotTableViewTest {

    private final LocateResult result = SeededTestBackend.seededLocateResult(5, 172);
    private HotSpotTableView view;

    @Start
    void start(Stage stage) {
        view = new HotSpotTableView();
        view.setResult(result);
        stage.setScene(new Scene(view, 900, 400));
        stage.show();
    }

    @Test
    void acceptSuggestedChecksSuggestedRows(FxRobot robot) {
        assertEquals(5, FxTestSupport.onFx(view::rowCount), "2 suggested rows and 3 alternatives");
        assertTrue(FxTestSupport.onFx(view::selectedHotSpots).isEmpty(), "no row is ticked at first");

        robot.clickOn("#acceptSuggestedButton");

        FxTestSupport.waitUntil("suggested rows ticked", () -> view.selectedCountProperty().get() == 2);
        List<HotSpot> selected = FxTestSupport.onFx(view::selectedHotSpots);
        assertEquals(result.suggested(), selected);
        assertEquals(2L, FxTestSupport.onFx(() -> tickedCheckBoxes(robot)));
    }

    @Test
    void clickingCheckBoxAddsRow(FxRobot robot) {
        robot.clickOn("#acceptSuggestedButton");
        FxTestSupport.waitUntil("suggested rows ticked", () -> view.selectedCountProperty().get() == 2);

        CheckBox firstUnticked = FxTestSupport.onFx(() -> robot.lookup("#hotSpotTable .check-box")
                .queryAllAs(CheckBox.class).stream()
                .filter(checkBox -> !checkBox.isSelected() && checkBox.isVisible())
                .findFirst()
                .orElseThrow());
        robot.clickOn(firstUnticked);

        FxTestSupport.waitUntil("third row ticked", () -> view.selectedCountProperty().get() == 3);
        assertEquals(3, FxTestSupport.onFx(view::selectedHotSpots).size());
    }

    @Test
    void clearUnticksAllRows(FxRobot robot) {
        robot.clickOn("#acceptSuggestedButton");
        FxTestSupport.waitUntil("suggested rows ticked", () -> view.selectedCountProperty().get() == 2);

        robot.clickOn("#clearHotSpotsButton");

        FxTestSupport.waitUntil("rows unticked", () -> view.selectedCountProperty().get() == 0);
        assertEquals(0L, FxTestSupport.onFx(() -> tickedCheckBoxes(robot)));
    }

    @Test
    void addHotSpotsMergesAndInserts() {
        HotSpot suggested = result.suggested().get(0);
        int newLayer = 9;
        List<Integer> added = List.of(0, 1, 2);

        FxTestSupport.onFx(() -> {
            view.addHotSpots(List.of(new HotSpot(suggested.layer(), added), new HotSpot(newLayer, added)));
            return null;
        });

        assertEquals(6, FxTestSupport.onFx(view::rowCount), "one new row for the layer without a row");
        List<HotSpot> ticked = FxTestSupport.onFx(view::selectedHotSpots);
        assertEquals(2, ticked.size(), "merged and new rows are ticked");
        HotSpot merged = ticked.get(0);
        assertEquals(suggested.layer(), merged.layer());
        assertTrue(merged.neurons().containsAll(suggested.neurons()), "merged row keeps the suggested neurons");
        assertTrue(merged.neurons().containsAll(added), "merged row gains the added neurons");
        assertEquals(new HotSpot(newLayer, added), ticked.get(1), "new row sorts after the existing layers");
        assertTrue(FxTestSupport.onFx(view::suggestedHotSpots).stream().anyMatch(hotSpot -> hotSpot.equals(merged)),
                "merged row stays suggested");
    }

    private static long tickedCheckBoxes(FxRobot robot) {
        return robot.lookup("#hotSpotTable .check-box").queryAllAs(CheckBox.class).stream()
                .filter(CheckBox::isSelected)
                .count();
    }
}
