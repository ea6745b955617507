package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The model panel's memory row: heap and resident memory for a model on the CPU, and a GPU part
 * for a model on a GPU. On a machine without the CUDA runtime the GPU part reads "unknown". The
 * prompt-set titles and their tooltips are checked too.
 */
@ExtendWith(ApplicationExtension.class)
class ModelSummaryPaneTest {

    private ModelSummaryPane pane;

    @Start
    void start(Stage stage) {
        pane = new ModelSummaryPane();
        stage.setScene(new Scene(pane, ModelSummaryPane.WIDTH, 600));
        stage.show();
    }

    @Test
    void cpuModelShowsNoGpuMemory() {
        String text = memoryText(summary("CPU"));

        assertTrue(text.startsWith("heap "), text);
        assertFalse(text.contains("GPU"), text);
    }

    @Test
    void gpuModelAddsGpuMemory() {
        String text = memoryText(summary("GPU 0"));

        assertTrue(text.contains("; GPU "), text);
        assertTrue(text.contains("in use by all processes")
                || text.contains("GPU memory unknown (the CUDA runtime library could not be read)"), text);
    }

    @Test
    void gpuOfReadsTheDisplayedDeviceName() {
        assertEquals(Device.gpu(3), CoreBackend.gpuOf(CoreBackend.deviceName(Device.gpu(3))));
        assertNull(CoreBackend.gpuOf(CoreBackend.deviceName(Device.cpu())));
        assertNull(CoreBackend.gpuOf("GPU x"));
    }

    @Test
    void datasetTooltipShowsTitleAndPath() {
        Path file = Path.of("sets", "demo-edit.jsonl");

        String[] titleAndTooltip = FxTestSupport.onFx(() -> {
            pane.setDataset(DatasetRole.EDIT, file, List.of("one", "two", "three"));
            pane.setUsedLimits(2, 0);
            return new String[] {pane.datasetTitle(DatasetRole.EDIT), pane.datasetTooltip(DatasetRole.EDIT)};
        });

        assertEquals("Edit set: 3 prompts (demo-edit.jsonl), first 2 used", titleAndTooltip[0]);
        assertEquals(titleAndTooltip[0] + "\n" + file.toAbsolutePath().normalize(), titleAndTooltip[1]);
        assertNull(FxTestSupport.onFx(() -> pane.datasetTooltip(DatasetRole.EVALUATION)), "no tooltip before a set is loaded");
    }

    private String memoryText(ModelSummary summary) {
        return FxTestSupport.onFx(() -> {
            pane.setModel(summary);
            return ((Labeled) pane.lookup("#processMemoryLabel")).getText();
        });
    }

    private static ModelSummary summary(String device) {
        return new ModelSummary("demo", Path.of("demo"), "LlamaForCausalLM", 5, 64, 172, 260_032, "float32", device,
                1_040_128, "");
    }
}
