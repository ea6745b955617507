package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * A backend whose every call fails with the same message, for tests that check the window shows a
 * backend's error and stays usable. The application itself runs {@link CoreBackend}.
 */
final class UnconfiguredBackend implements WorkbenchBackend {

    private static final String MESSAGE = "No model backend is installed in this test. "
            + "Install one with WorkbenchApp.setBackendFactory before launching.";

    @Override
    public ModelSummary loadModel(Path directory, ProgressListener progress) {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public ModelSummary loadDemoModel(ProgressListener progress) {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public List<String> loadDataset(DatasetRole role, Path file) {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public LocateResult locate(ProgressListener progress) {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public EditSummary edit(List<HotSpot> hotSpots, ProgressListener progress) {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public void revertEdit() {
        throw new UnsupportedOperationException(MESSAGE);
    }

    @Override
    public boolean hasAppliedEdit() {
        return false;
    }
}
