package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkbenchLauncherTest {

    @Test
    void noArgumentsAccepted() {
        assertNull(WorkbenchLauncher.validateArguments());
    }

    @Test
    void existingModelDirectoryAccepted() {
        assertNull(WorkbenchLauncher.validateArguments(SeededTestBackend.stories260K().toString()));
    }

    @Test
    void missingDirectoryNamed() {
        String error = WorkbenchLauncher.validateArguments("/no/such/model");

        assertTrue(error.contains("/no/such/model"), error);
    }

    @Test
    void twoArgumentsRejected() {
        String error = WorkbenchLauncher.validateArguments("a", "b");

        assertTrue(error.contains("at most one argument"), error);
    }
}
