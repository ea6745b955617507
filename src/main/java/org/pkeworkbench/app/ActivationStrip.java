package org.pkeworkbench.app;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelWriter;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;

/**
 * A small layers-by-neurons heatmap of signed values, for example MLP activations at one token:
 * one row per layer (layer 0 at the top), neurons reduced to at most the canvas width by
 * {@link HeatmapGrid} (the strongest neuron of each column), blue for negative, red for positive,
 * white for zero, on a linear scale from {@code -scale} to {@code +scale}.
 */
final class ActivationStrip extends Canvas {

    static final double ROW_HEIGHT = 12;
    private static final Color NEGATIVE = Color.rgb(44, 105, 176);
    private static final Color POSITIVE = Color.rgb(196, 78, 82);

    private final float[][] values;
    private final double scale;

    /**
     * @param values {@code [layers][neurons]}, every row the same length
     * @param scale the magnitude drawn at full colour, above 0
     * @param width canvas width in pixels
     */
    ActivationStrip(float[][] values, double scale, double width) {
        super(width, Math.max(1, values.length) * ROW_HEIGHT);
        this.values = values;
        this.scale = scale;
        draw();
    }

    /** Returns the largest magnitude in {@code tables}, or 1 when they contain only zeros or nothing. */
    static double maxMagnitude(float[][]... tables) {
        double max = largestMagnitude(tables);
        return max > 0 ? max : 1;
    }

    /** Returns the largest magnitude in {@code tables}, 0 when they contain only zeros or nothing. */
    static double largestMagnitude(float[][]... tables) {
        double max = 0;
        for (float[][] table : tables) {
            for (float[] row : table) {
                for (float value : row) {
                    if (!Float.isNaN(value)) {
                        max = Math.max(max, Math.abs(value));
                    }
                }
            }
        }
        return max;
    }

    /** Returns {@code after - before} element by element, {@code [layers][neurons]}. */
    static float[][] difference(float[][] before, float[][] after) {
        float[][] change = new float[before.length][];
        for (int layer = 0; layer < before.length; layer++) {
            change[layer] = new float[before[layer].length];
            for (int neuron = 0; neuron < before[layer].length; neuron++) {
                change[layer][neuron] = after[layer][neuron] - before[layer][neuron];
            }
        }
        return change;
    }

    /** Colour of {@code value}: white at 0, full blue at {@code -scale}, full red at {@code +scale}. */
    static Color color(double value, double scale) {
        if (Double.isNaN(value)) {
            return ColorScale.MISSING;
        }
        double position = Math.min(1, Math.abs(value) / scale);
        return Color.WHITE.interpolate(value < 0 ? NEGATIVE : POSITIVE, position);
    }

    private void draw() {
        GraphicsContext graphics = getGraphicsContext2D();
        if (values.length == 0 || values[0].length == 0) {
            return;
        }
        HeatmapGrid grid = HeatmapGrid.aggregate(values, Math.max(1, (int) getWidth()));
        int columns = grid.columns();
        WritableImage image = new WritableImage(columns, values.length);
        PixelWriter pixels = image.getPixelWriter();
        for (int row = 0; row < values.length; row++) {
            for (int column = 0; column < columns; column++) {
                pixels.setArgb(column, row, ColorScale.argb(color(grid.value(row, column), scale)));
            }
        }
        graphics.setImageSmoothing(false);
        graphics.drawImage(image, 0, 0, getWidth(), getHeight());
    }
}
