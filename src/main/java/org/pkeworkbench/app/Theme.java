package org.pkeworkbench.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javafx.scene.Scene;

/**
 * The workbench's colour themes. Both build on JavaFX's Modena look, and the dark theme changes its
 * colour variables. Plot areas (charts, heatmaps, graphs) stay light in both, like the exported figures.
 */
public enum Theme {
    LIGHT,
    DARK;

    private static final String BASE = "workbench.css";
    private static final String DARK_SHEET = "dark.css";

    /** Returns the style sheets of this theme, in the order they apply. */
    List<String> styleSheets() {
        List<String> sheets = new ArrayList<>();
        sheets.add(sheet(BASE));
        if (this == DARK) {
            sheets.add(sheet(DARK_SHEET));
        }
        return sheets;
    }

    /** Replaces the workbench's style sheets on {@code scene} by this theme's; other sheets stay. */
    void applyTo(Scene scene) {
        Objects.requireNonNull(scene, "scene");
        List<String> ours = List.of(sheet(BASE), sheet(DARK_SHEET));
        scene.getStylesheets().removeIf(ours::contains);
        scene.getStylesheets().addAll(styleSheets());
    }

    /** Returns the name shown in menus, for example "Dark". */
    String displayName() {
        String name = name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    private static String sheet(String name) {
        return Objects.requireNonNull(Theme.class.getResource(name), "style sheet " + name + " is missing from the jar")
                .toExternalForm();
    }
}
