package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.stage.Stage;
import javafx.util.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The one-click demo tour on the shipped demo model with the real backend. */
@ExtendWith(ApplicationExtension.class)
class DemoTourTest {

    private DemoWindow demo;
    private CoreBackend backend;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        demo = DemoWindow.show(stage);
        backend = demo.backend();
        window = demo.window();
        window.setDemoPause(Duration.millis(50));
    }

    @AfterEach
    void shutDown() {
        demo.close();
    }

    @Test
    void oneClickPlaysWholeStory(FxRobot robot) throws Exception {
        robot.clickOn("#demoTourButton");
        FxTestSupport.waitUntil("tour started", () -> window.demoTourRunningProperty().get()
                || !window.demoTourOutcome().isEmpty());
        FxTestSupport.waitUntil("tour over", () -> !window.demoTourRunningProperty().get());

        assertEquals("Demo tour finished", FxTestSupport.onFx(window::demoTourOutcome));
        assertTrue(FxTestSupport.onFx(() -> window.contributionView().visibleEdgeCount()) > 0, "traced");
        assertFalse(FxTestSupport.onFx(() -> window.hotSpotTable().selectedHotSpots()).isEmpty(), "hot spots taken");
        assertTrue(FxTestSupport.onFx(() -> window.resultsView().summary()).isPresent(), "edit results shown");
        assertEquals(1, backend.editHistory().applied().size());
        ModelComparison comparison = FxTestSupport.onFx(() -> window.compareView().comparison()).orElseThrow();
        assertEquals(WorkbenchWindow.DEMO_PROMPT, comparison.prompt());
        assertTrue(comparison.hasEdit(), "the comparison ends the tour with the edit applied");
        assertFalse(robot.lookup("#demoTourBanner").query().isVisible(), "the banner hides after the tour");
    }

    @Test
    void stopEndsTourDuringPause(FxRobot robot) throws Exception {
        window.setDemoPause(Duration.seconds(30));
        robot.clickOn("#demoTourButton");
        FxTestSupport.waitUntil("first step done, tour pausing", () -> window.demoTourRunningProperty().get()
                && !window.worker().isRunning() && backend.languageModel() != null);
        assertTrue(robot.lookup("#demoTourBanner").query().isVisible(), "the banner shows the step");
        FxTestSupport.saveSnapshot(window, "demo-tour");
        // A job the user started in a pause would take the place of the tour's next step.
        assertTrue(robot.lookup("#locateButton").query().isDisabled(), "Locate waits for the tour");
        assertTrue(robot.lookup("#compareButton").query().isDisabled(), "Compare waits for the tour");

        robot.clickOn("Run").clickOn("Stop demo tour");
        FxTestSupport.waitUntil("tour stopped", () -> !window.demoTourRunningProperty().get());
        assertEquals("Demo tour stopped", FxTestSupport.onFx(window::demoTourOutcome));
        assertTrue(backend.editHistory().applied().isEmpty(), "no edit after the tour stopped");
    }
}
