package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code self-check} on the shipped demo model with the test JVM's libtorch (the CPU build from the
 * pytorch-native jar): it passes on the shipped values, and altered expected values make it fail
 * with a message naming what differs. Its device check runs here in float16 on the CPU.
 */
class SelfCheckCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void passesOnShippedValues() {
        CliRun run = CliRun.of("self-check");

        assertEquals(SelfCheckCommand.PASSED, run.exitCode(), run::toString);
        assertTrue(run.out().contains("engine: PyTorch 2.7.1 through DJL 0.36.0"), run::toString);
        assertTrue(run.out().contains("libtorch: /"), run::toString);
        assertTrue(run.out().contains("self-check passed"), run::toString);
    }

    @Test
    void autoDeviceSaysGpuComparisonSkipped() {
        CliRun run = CliRun.of("self-check", "--device", "auto");

        assertEquals(SelfCheckCommand.PASSED, run.exitCode(), run::toString);
        assertTrue(run.out().contains("GPU comparison skipped: libtorch sees no CUDA GPU"), run::toString);
    }

    @Test
    void writtenValuesMatchShippedValues() throws IOException {
        Path written = temp.resolve("expected.json");

        CliRun write = CliRun.of("self-check", "--write-expected", written.toString());
        SelfCheckValues shipped = SelfCheckValues.shipped();
        SelfCheckValues measured = SelfCheckValues.read(written);

        assertEquals(SelfCheckCommand.PASSED, write.exitCode(), write::toString);
        assertEquals(java.util.List.of(), shipped.differences(measured));
        CliRun check = CliRun.of("self-check", "--expected", written.toString());
        assertEquals(SelfCheckCommand.PASSED, check.exitCode(), check::toString);
    }

    @Test
    void shiftedLogitFailsWithMessage() throws IOException {
        ObjectNode values = shippedJson();
        ArrayNode logits = (ArrayNode) values.get("last_top_logits");
        logits.set(0, logits.get(0).floatValue() + 0.01f);

        CliRun run = checkAgainst(values);

        assertEquals(SelfCheckCommand.VALUES_DIFFER, run.exitCode(), run::toString);
        assertTrue(run.err().contains("self-check FAILED"), run::toString);
        assertTrue(run.err().contains("forward: top logits"), run::toString);
        assertTrue(run.err().contains("tolerance 0.001"), run::toString);
    }

    @Test
    void changedGenerationFailsWithMessage() throws IOException {
        ObjectNode values = shippedJson();
        ArrayNode ids = (ArrayNode) values.get("generated_ids");
        ids.set(0, ids.get(0).longValue() + 1);

        CliRun run = checkAgainst(values);

        assertEquals(SelfCheckCommand.VALUES_DIFFER, run.exitCode(), run::toString);
        assertTrue(run.err().contains("generation: ids"), run::toString);
    }

    @Test
    void otherModelHashNamesRemeasuring() throws IOException {
        ObjectNode values = shippedJson();
        values.put("model_sha256", "0".repeat(64));

        CliRun run = checkAgainst(values);

        assertEquals(SelfCheckCommand.VALUES_DIFFER, run.exitCode(), run::toString);
        assertTrue(run.err().contains("demo model: model.safetensors has SHA-256"), run::toString);
        assertTrue(run.err().contains("--write-expected"), run::toString);
    }

    @Test
    void missingExpectedFileIsNamed() {
        Path missing = temp.resolve("missing.json");

        CliRun run = CliRun.of("self-check", "--expected", missing.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--expected " + missing + " cannot be used, because the file does not exist"),
                run::toString);
    }

    @Test
    void float16RunsTheDeviceCheckAgainstTheCpu() {
        CliRun run = CliRun.of("self-check", "--dtype", "float16");

        assertEquals(SelfCheckCommand.PASSED, run.exitCode(), run::toString);
        assertTrue(run.out().contains("device check: cpu() in float16, compared with the CPU in float32"),
                run::toString);
        assertTrue(run.out().contains("  edit: 3 steps, losses "), run::toString);
        assertTrue(run.out().contains("reverted: logits restored exactly"), run::toString);
        assertTrue(run.out().contains("device check passed"), run::toString);
    }

    @Test
    void missingGpuFailsWithTheSetUpSteps() {
        assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");

        CliRun run = CliRun.of("self-check", "--device", "gpu");

        assertEquals(SelfCheckCommand.LOAD_FAILED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("libtorch sees no CUDA GPU"), run::toString);
        assertTrue(run.err().contains("PYTORCH_LIBRARY_PATH"), run::toString);
    }

    @Test
    void writingExpectedValuesRefusesADeviceCheck() {
        Path written = temp.resolve("expected.json");

        CliRun run = CliRun.of("self-check", "--dtype", "float16", "--write-expected", written.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--write-expected measures the CPU values in float32, so"), run::toString);
        assertFalse(java.nio.file.Files.exists(written), run::toString);
    }

    @Test
    void nonJsonExpectedFileIsNamed() throws IOException {
        Path text = temp.resolve("notes.txt");
        java.nio.file.Files.writeString(text, "not json");

        CliRun run = CliRun.of("self-check", "--expected", text.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--expected " + text + " cannot be used, because it is not a JSON file"),
                run::toString);
    }

    @Test
    void incompleteExpectedFileNamesMissingKeys() throws IOException {
        Path empty = temp.resolve("empty.json");
        java.nio.file.Files.writeString(empty, "{}");

        CliRun run = CliRun.of("self-check", "--expected", empty.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--expected " + empty + " cannot be used, because it lacks model_sha256, prompt, "
                + "prompt_ids, logits_shape, last_top_ids, last_top_logits, generated_ids, generated_text, "
                + "max_new_tokens (a positive count)"), run::toString);
    }

    @Test
    void unknownDeviceIsAUsageError() {
        CliRun run = CliRun.of("self-check", "--device", "tpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Unknown device 'tpu'; use auto, cpu or gpu"), run::toString);
    }

    private CliRun checkAgainst(ObjectNode values) throws IOException {
        Path file = temp.resolve("altered.json");
        JSON.writeValue(file.toFile(), values);
        return CliRun.of("self-check", "--expected", file.toString());
    }

    private static ObjectNode shippedJson() throws IOException {
        try (InputStream in = SelfCheckValues.class.getResourceAsStream(SelfCheckValues.RESOURCE)) {
            return (ObjectNode) JSON.readTree(in);
        }
    }
}
