package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** {@code generate} on the real stories260K against llama2.c's own greedy output. */
class GenerateCommandTest {

    private static final String MODEL = SharedFiles.stories260K().toString();

    /**
     * llama2.c's run.c prints a text that ends with {@code ."}, but the float64 reference decoding
     * (BOS plus 256 new tokens) ends at {@code .}, so 256 new tokens are that text without its last quote.
     */
    @Test
    void greedyFromBosMatchesRunC() throws IOException {
        String runC = Files.readString(SharedFiles.stories260K().resolve("greedy_output_run_c.txt"));
        String text = runC.substring(0, runC.indexOf("achieved tok/s"));
        assertTrue(text.endsWith("\""), "run.c's text ends with a quote");
        String expected = text.substring(0, text.length() - 1);

        CliRun run = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--max-new-tokens", "256");

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(expected + System.lineSeparator(), run.out());
    }

    /** --threads sets libtorch's threads for the run, and the greedy text stays run.c's. */
    @Test
    void threadsOptionSetsLibtorchThreads() throws IOException {
        String runC = Files.readString(SharedFiles.stories260K().resolve("greedy_output_run_c.txt"));
        int before = org.pkeworkbench.model.LibtorchThreads.current();
        CliRun run;
        int during;
        try {
            run = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--max-new-tokens", "40", "--threads", "1");
            during = org.pkeworkbench.model.LibtorchThreads.current();
        } finally {
            org.pkeworkbench.model.LibtorchThreads.set(before);
        }

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(1, during, "libtorch threads after --threads 1");
        assertTrue(runC.startsWith(run.out().strip()), run::toString);
    }

    @Test
    void zeroThreadsIsUsageError() {
        CliRun run = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--threads", "0");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Invalid value for option '--threads': the thread count must be at least 1, got 0"), run::toString);
    }

    /** 5000 threads on 2 cores made a 20-token generate 23 times as slow, so more than the processors is rejected. */
    @Test
    void moreThreadsThanProcessorsIsUsageError() {
        int tooMany = org.pkeworkbench.model.LibtorchThreads.maximum() + 1;
        CliRun run = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--threads", Integer.toString(tooMany));

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("'--threads': the thread count must be at most " + (tooMany - 1) + ", the processors of this machine, got "
                + tooMany), run::toString);
    }

    /**
     * Without --max-new-tokens the length comes from generation_config.json (256 for stories260K,
     * the length above). A copy with max_new_tokens 8 keeps this check short.
     */
    @Test
    void defaultLengthComesFromGenerationConfig(@TempDir Path temp) throws IOException {
        Path model = CliRun.copyModel(SharedFiles.stories260K(), temp.resolve("model"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("generation_config.json").toFile());
        assertEquals(256, config.get("max_new_tokens").asInt());
        config.put("max_new_tokens", 8);
        json.writeValue(model.resolve("generation_config.json").toFile(), config);

        CliRun byDefault = CliRun.of("generate", "--model", model.toString(), "--device", "cpu");
        CliRun explicit = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--max-new-tokens", "8");
        CliRun longer = CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--max-new-tokens", "9");

        assertEquals(0, byDefault.exitCode(), byDefault::toString);
        assertEquals(explicit.out(), byDefault.out());
        assertNotEquals(longer.out(), byDefault.out(), "the limit of 8 tokens took effect");
    }

    @Test
    void samplingIsRepeatableForASeed() {
        CliRun first = sample("5");
        CliRun second = sample("5");
        CliRun otherSeed = sample("6");

        assertEquals(0, first.exitCode(), first::toString);
        assertFalse(first.out().isEmpty(), "sampling produced text");
        assertEquals(first.out(), second.out(), "same seed, same text");
        assertNotEquals(first.out(), otherSeed.out(), "another seed gives another text");
    }

    private static CliRun sample(String seed) {
        return CliRun.of("generate", "--model", MODEL, "--device", "cpu", "--max-new-tokens", "24",
                "--temperature", "0.8", "--seed", seed);
    }
}
