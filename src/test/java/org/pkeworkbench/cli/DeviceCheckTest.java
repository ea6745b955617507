package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.model.ComputeDType;

/**
 * {@link DeviceCheck} on the demo model on the CPU: two float32 runs agree exactly, and each kind
 * of difference a broken device would show (logits, edit losses, an edit that is not reverted) is
 * reported with the values. The GPU path runs the same code with another device.
 */
class DeviceCheckTest {

    private static final String PROMPT = "How do I make a paper boat?";

    private static DeviceCheck.Measurement reference;

    @BeforeAll
    static void measureReference() throws IOException {
        reference = DeviceCheck.measure(demoModel(), Device.cpu(), ComputeDType.FLOAT32, PROMPT, 8);
    }

    @Test
    void cpuRunsAgree() throws IOException {
        DeviceCheck.Measurement again = DeviceCheck.measure(demoModel(), Device.cpu(), ComputeDType.FLOAT32, PROMPT, 8);

        assertEquals(List.of(), DeviceCheck.differences(reference, again));
        assertEquals(DeviceCheck.EDIT_STEPS, again.losses().length);
        assertTrue(SelfCheckValues.maxDifference(again.lastLogits(), again.editedLastLogits()) > 1e-3,
                "the 3-step edit should move the logits");
        assertEquals(Optional.empty(), again.gpuMemory());
    }

    @Test
    void shiftedLogitIsReportedWithTolerance() {
        float[] logits = reference.lastLogits().clone();
        logits[7] += 0.01f;

        List<String> problems = DeviceCheck.differences(reference, withLogits(logits, logits));

        assertTrue(problems.stream().anyMatch(p -> p.startsWith("forward on cpu() in float32: logits at the last "
                + "prompt position differ") && p.contains("tolerance 0.001")), problems::toString);
    }

    @Test
    void changedLossNamesTheStep() {
        double[] losses = reference.losses().clone();
        losses[1] += 0.01;
        DeviceCheck.Measurement changed = new DeviceCheck.Measurement(reference.device(), reference.dtype(),
                reference.values(), reference.lastLogits(), losses, reference.editedLastLogits(),
                reference.revertedLastLogits(), reference.editStepSeconds(), Optional.empty());

        List<String> problems = DeviceCheck.differences(reference, changed);

        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).contains("at step 2"), problems::toString);
    }

    @Test
    void unrevertedEditIsReported() {
        List<String> problems = DeviceCheck.differences(reference,
                withLogits(reference.lastLogits(), reference.editedLastLogits()));

        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("revert on cpu() in float32: after reverting the edit the logits "
                + "differ"), problems::toString);
    }

    @Test
    void float16Tolerances() {
        float[] logits = reference.lastLogits().clone();
        logits[0] += 0.05f;
        DeviceCheck.Measurement half = new DeviceCheck.Measurement(reference.device(), ComputeDType.FLOAT16,
                reference.values(), logits, reference.losses(), reference.editedLastLogits(), logits,
                reference.editStepSeconds(), Optional.empty());

        assertEquals(List.of(), DeviceCheck.differences(reference, half));
        long[] top = reference.values().lastTopIds().clone();
        top[0] = top[1];
        SelfCheckValues values = reference.values();
        SelfCheckValues otherTop = new SelfCheckValues(values.modelSha256(), values.prompt(), values.promptIds(),
                values.logitsShape(), top, values.lastTopLogits(), values.logitsMean(), values.logitsL2Norm(),
                values.maxNewTokens(), values.generatedIds(), values.generatedText());
        DeviceCheck.Measurement otherTopHalf = new DeviceCheck.Measurement(reference.device(), ComputeDType.FLOAT16,
                otherTop, logits, reference.losses(), reference.editedLastLogits(), logits,
                reference.editStepSeconds(), Optional.empty());
        List<String> problems = DeviceCheck.differences(reference, otherTopHalf);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).contains("top next-token ids"), problems::toString);
    }

    private static DeviceCheck.Measurement withLogits(float[] logits, float[] reverted) {
        return new DeviceCheck.Measurement(reference.device(), reference.dtype(), reference.values(), logits,
                reference.losses(), reference.editedLastLogits(), reverted, reference.editStepSeconds(),
                Optional.empty());
    }

    private static Path demoModel() {
        return CliRun.assets().resolve("models/demo");
    }
}
