package org.pkeworkbench.app;

import javafx.scene.paint.Color;

/**
 * Maps score magnitudes to colours of a perceptually ordered dark-blue to yellow ramp (the stops
 * of matplotlib's viridis at 0, 0.25, 0.5, 0.75 and 1).
 */
final class ColorScale {

    /** Decades below the maximum that the log scale spans. Smaller magnitudes get the lowest colour. */
    static final int LOG_DECADES = 3;

    private static final Color[] STOPS = {
        Color.rgb(68, 1, 84), Color.rgb(59, 82, 139), Color.rgb(33, 145, 140), Color.rgb(94, 201, 98), Color.rgb(253, 231, 37)
    };

    /** Colour of cells without a value (NaN). */
    static final Color MISSING = Color.gray(0.75);

    private final double maxMagnitude;
    private final boolean logarithmic;

    ColorScale(double maxMagnitude, boolean logarithmic) {
        this.maxMagnitude = maxMagnitude;
        this.logarithmic = logarithmic;
    }

    /** Returns the position of {@code value}'s magnitude on the scale, in [0, 1]. */
    double position(double value) {
        double magnitude = Math.abs(value);
        if (maxMagnitude <= 0 || magnitude <= 0) {
            return 0;
        }
        double ratio = Math.min(1, magnitude / maxMagnitude);
        if (!logarithmic) {
            return ratio;
        }
        return Math.max(0, 1 + Math.log10(ratio) / LOG_DECADES);
    }

    Color color(double value) {
        if (Double.isNaN(value)) {
            return MISSING;
        }
        return colorAt(position(value));
    }

    /** Returns the ramp colour at {@code position} in [0, 1]. */
    static Color colorAt(double position) {
        double scaled = Math.max(0, Math.min(1, position)) * (STOPS.length - 1);
        int lower = Math.min((int) scaled, STOPS.length - 2);
        return STOPS[lower].interpolate(STOPS[lower + 1], scaled - lower);
    }

    /** Returns the colour as 0xAARRGGBB for a {@link javafx.scene.image.PixelWriter}. */
    static int argb(Color color) {
        return (int) Math.round(color.getOpacity() * 255) << 24
                | (int) Math.round(color.getRed() * 255) << 16
                | (int) Math.round(color.getGreen() * 255) << 8
                | (int) Math.round(color.getBlue() * 255);
    }
}
