package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** Output files never land in the model directory and never replace a file unless asked. */
class OutputGuardTest {

    @Test
    void forwardRejectsOutputInsideModel(@TempDir Path temp) throws IOException {
        Path model = CliRun.copyModel(SharedFiles.fixture("tiny-gpt2"), temp.resolve("model"));
        String config = Files.readString(model.resolve("config.json"));

        CliRun run = CliRun.of("forward", "--model", model.toString(), "--ids", "1,2", "--out",
                model.resolve("config.json").toString(), "--overwrite");

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("inside the model directory"), run.err());
        assertEquals(config, Files.readString(model.resolve("config.json")));
        assertFalse(Files.exists(model.resolve("out.json")));
    }

    @Test
    void forwardKeepsExistingFileUnlessOverwrite(@TempDir Path temp) throws IOException {
        Path out = Files.writeString(temp.resolve("existing.json"), "keep");
        String model = SharedFiles.fixture("tiny-gpt2").toString();

        CliRun refused = CliRun.of("forward", "--model", model, "--ids", "1,2", "--out", out.toString());
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.err().contains("already exists"), refused.err());
        assertEquals("keep", Files.readString(out));

        CliRun replaced = CliRun.of("forward", "--model", model, "--ids", "1,2", "--out", out.toString(), "--overwrite",
                "--capture", "layers.0.mlp.act,layers.1.resid_post");
        assertEquals(0, replaced.exitCode(), replaced.err());
        String json = Files.readString(out);
        assertTrue(json.contains("layers.0.mlp.act"), "comma-separated captures are split");
        assertTrue(json.contains("layers.1.resid_post"));
    }

    @Test
    void gpt2RejectsSequenceLongerThanPositions(@TempDir Path temp) {
        StringBuilder ids = new StringBuilder("1");
        for (int i = 1; i < 129; i++) {
            ids.append(",1");
        }
        CliRun run = CliRun.of("forward", "--model", SharedFiles.fixture("tiny-gpt2").toString(), "--ids",
                ids.toString(), "--out", temp.resolve("out.json").toString());
        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("128 learned positions"), run.err());
    }

    @Test
    void modelPathThatIsFileIsRejected(@TempDir Path temp) {
        CliRun run = CliRun.of("forward", "--model", SharedFiles.fixture("tiny-gpt2").resolve("config.json").toString(),
                "--ids", "1", "--out", temp.resolve("out.json").toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("config.json is a file"), run.err());
    }
}
