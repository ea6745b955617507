package org.pkeworkbench.app;

import java.io.IOException;
import java.util.Optional;
import javafx.geometry.Rectangle2D;
import javafx.stage.Screen;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The window's layout and look between runs: position and size in screen pixels (logical pixels,
 * so the same on a high-DPI screen), whether it was maximised, the selected tab and the theme.
 * Stored as {@code window.json} in the {@link WorkbenchSettings} directory.
 *
 * @param x left edge of the window
 * @param y top edge of the window
 * @param width window width
 * @param height window height
 * @param maximized whether the window filled the screen
 * @param selectedTab title of the selected tab
 * @param theme the colour theme
 */
public record WindowLayout(double x, double y, double width, double height, boolean maximized, String selectedTab,
        Theme theme) {

    /** Name of the settings file, without {@code .json}. */
    static final String SETTINGS_NAME = "window";

    private static final Logger LOG = LoggerFactory.getLogger(WindowLayout.class);

    /** The smallest window size restored; smaller stored sizes are grown to it. */
    static final double MIN_WIDTH = 800;
    static final double MIN_HEIGHT = 560;

    /** Reads the stored layout; empty when none is stored or the file is damaged (logged). */
    static Optional<WindowLayout> load(WorkbenchSettings settings) {
        return settings.read(SETTINGS_NAME, WindowLayout.class);
    }

    /** Captures the layout of {@code stage} showing {@code window}. */
    static WindowLayout capture(Stage stage, WorkbenchWindow window) {
        return new WindowLayout(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized(),
                window.selectedTabTitle(), window.themeProperty().get());
    }

    /** Stores this layout; a failure is logged and otherwise ignored, since losing a layout loses no work. */
    void save(WorkbenchSettings settings) {
        try {
            settings.write(SETTINGS_NAME, this);
            LOG.info("Saved the window layout to {}", settings.file(SETTINGS_NAME));
        } catch (IOException | RuntimeException error) {
            LOG.warn("Could not save the window layout to {}", settings.file(SETTINGS_NAME), error);
        }
    }

    /**
     * Applies this layout to {@code stage} and {@code window}. The position is used only when the
     * window's title bar area lies on a connected screen, so a layout saved with a second monitor
     * that is gone now does not open the window off screen.
     */
    void applyTo(Stage stage, WorkbenchWindow window) {
        stage.setWidth(Math.max(MIN_WIDTH, width));
        stage.setHeight(Math.max(MIN_HEIGHT, height));
        if (!Screen.getScreensForRectangle(new Rectangle2D(x, y, Math.max(1, Math.min(width, 200)), 40)).isEmpty()) {
            stage.setX(x);
            stage.setY(y);
        } else {
            LOG.info("The stored window position {}, {} is on no connected screen; centring the window", x, y);
            stage.centerOnScreen();
        }
        stage.setMaximized(maximized);
        if (theme != null) {
            window.themeProperty().set(theme);
        }
        if (selectedTab != null && window.hasTab(selectedTab)) {
            window.selectTab(selectedTab);
        }
    }
}
