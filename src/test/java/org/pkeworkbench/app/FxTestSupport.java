package org.pkeworkbench.app;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.image.WritableImage;
import javax.imageio.ImageIO;
import org.testfx.util.WaitForAsyncUtils;

/** Helpers shared by the JavaFX tests of this package. */
final class FxTestSupport {

    /** Upper bound on waiting for background work. Reaching it fails the test, it does not measure speed. */
    static final long WAIT_SECONDS = 60;

    private FxTestSupport() {}

    /** Waits until {@code condition}, evaluated on the JavaFX thread, is true. */
    static void waitUntil(String description, Callable<Boolean> condition) {
        try {
            WaitForAsyncUtils.waitFor(WAIT_SECONDS, TimeUnit.SECONDS,
                    () -> WaitForAsyncUtils.asyncFx(condition).get());
        } catch (TimeoutException timeout) {
            throw new AssertionError("Condition not reached within " + WAIT_SECONDS + " s: " + description, timeout);
        }
    }

    /** Runs {@code action} on the JavaFX thread and returns its result. */
    static <T> T onFx(Callable<T> action) {
        try {
            return WaitForAsyncUtils.asyncFx(action).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception error) {
            throw new AssertionError("JavaFX action failed", error);
        }
    }

    /** Writes a snapshot of {@code node} as a PNG to {@code target/screenshots/NAME.png}. */
    static Path saveSnapshot(Node node, String name) throws IOException {
        WritableImage image = onFx(() -> node.snapshot(null, null));
        BufferedImage buffered = SwingFXUtils.fromFXImage(image, null);
        Path directory = Path.of("target", "screenshots");
        Files.createDirectories(directory);
        Path file = directory.resolve(name + ".png");
        ImageIO.write(buffered, "png", file.toFile());
        return file;
    }
}
