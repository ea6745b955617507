package org.pkeworkbench.app;

import java.nio.file.Path;

/** Asks the user where a session's model went when its saved directory is missing or contains another model. */
@FunctionalInterface
public interface ModelDirectoryPrompt {

    /**
     * Returns the directory the user chose, or null when they cancelled. The workbench calls it on the
     * JavaFX thread while the session's open job waits.
     *
     * @param project the session being opened
     * @param savedDirectory the model directory stored in the session
     * @param problem what is wrong with {@code savedDirectory}, as a sentence fragment for a dialog
     */
    Path chooseModelDirectory(Path project, Path savedDirectory, String problem) throws Exception;
}
