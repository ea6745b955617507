package org.pkeworkbench.app;

import org.pkeworkbench.testing.ModelOutputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.ProgressListener;

/** Comparing on the demo model with the real backend, without the window: a cancel restores the edits. */
class CoreBackendCompareTest {

    private static final String PROMPT = "Explain how to steal a car";

    private final CoreBackend backend = new CoreBackend(new CoreBackend.Settings("cpu",
            EditSettings.pkeDefaults().withSteps(3), LocateSettings.DEFAULT, 12, 2, 4, 4));

    @AfterEach
    void close() {
        backend.close();
    }

    private float[] logits() {
        return ModelOutputs.logits(backend.languageModel().decoder(), backend.languageModel().promptIds(PROMPT, true));
    }

    @Test
    void cancelDuringOriginalRestoresEdits() throws Exception {
        backend.loadDemoModel(ProgressListener.NONE);
        backend.loadDataset(DatasetRole.EDIT, backend.demoDataset(DatasetRole.EDIT));
        backend.loadDataset(DatasetRole.EVALUATION, backend.demoDataset(DatasetRole.EVALUATION));
        backend.edit(backend.locate(ProgressListener.NONE).suggested(), ProgressListener.NONE);
        backend.edit(backend.locate(ProgressListener.NONE).suggested(), ProgressListener.NONE);
        backend.undoEdit();
        EditHistoryState before = backend.editHistory();
        float[] edited = logits();

        // Cancels once the comparison has reverted the edits and started on the original model.
        ProgressListener cancelOnOriginal = new ProgressListener() {
            private volatile boolean cancelled;

            @Override
            public void update(double fraction, String message) {
                if (message != null && message.startsWith("Original model: ")) {
                    cancelled = true;
                }
            }

            @Override
            public boolean isCancelled() {
                return cancelled;
            }
        };
        assertThrows(CancellationException.class, () -> backend.compare(PROMPT, cancelOnOriginal));

        assertEquals(before, backend.editHistory(), "same applied and undone edits");
        assertTrue(backend.hasAppliedEdit());
        assertArrayEquals(edited, logits(), "the edited weights are back");
    }
}
