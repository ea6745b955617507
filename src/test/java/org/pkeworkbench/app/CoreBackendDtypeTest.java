package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.ProgressListener;

/** The model summary names the type the backend loaded the weights in, and their bytes in it. */
class CoreBackendDtypeTest {

    private static CoreBackend.Settings cpuSettings() {
        return new CoreBackend.Settings("cpu", EditSettings.pkeDefaults().withSteps(3), LocateSettings.DEFAULT, 12, 2,
                4, 4);
    }

    @Test
    void float16SummaryHalvesWeightBytes() throws Exception {
        try (CoreBackend backend = new CoreBackend(cpuSettings(), ComputeDType.FLOAT16)) {
            ModelSummary summary = backend.loadDemoModel(ProgressListener.NONE);

            assertEquals("float16", summary.dataType());
            assertEquals(summary.parameterCount() * 2, summary.weightBytes());
        }
    }

    @Test
    void defaultSummaryIsFloat32() throws Exception {
        try (CoreBackend backend = new CoreBackend(cpuSettings())) {
            ModelSummary summary = backend.loadDemoModel(ProgressListener.NONE);

            assertEquals("float32", summary.dataType());
            assertEquals(summary.parameterCount() * 4, summary.weightBytes());
        }
    }
}
