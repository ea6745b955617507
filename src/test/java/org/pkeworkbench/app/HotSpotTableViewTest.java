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

    private static long tickedCheckBoxes(FxRobot robot) {
        return robot.lookup("#hotSpotTable .check-box").queryAllAs(CheckBox.class).stream()
                .filter(CheckBox::isSelected)
                .count();
    }
}
