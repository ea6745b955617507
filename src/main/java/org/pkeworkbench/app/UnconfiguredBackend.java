package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * The backend used when none was installed with {@link WorkbenchApp#setBackendFactory}: every
 * call fails with a message saying so, and the window stays usable.
 */
// TODO: replace with the backend over the model, locate and edit core once that exists.
final class UnconfiguredBackend implements WorkbenchBackend {

    private static final String MESSAGE = "No model backend is installed in this build of the workbench. "
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
