package org.pkeworkbench.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.LibtorchProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code self-check}: loads libtorch and the shipped demo model on the CPU, runs one forward pass
 * and a short greedy generation, and compares them with the values shipped in the jar. An
 * installed app runs it to show that its bundled libtorch works offline. With {@code --device gpu}
 * or {@code --dtype float16} it then runs the {@link DeviceCheck} on that device and type, which is
 * how a user checks a CUDA libtorch.
 */
@Command(name = "self-check", mixinStandardHelpOptions = true,
        description = "Check that libtorch loads and the demo model computes the known logits and greedy text "
                + "on the CPU; with --device gpu or --dtype float16, also compare a forward pass, a generation and "
                + "a short edit there with the CPU. Exits 0 when it passes, 1 when values differ, 2 when libtorch, "
                + "the device or the demo model cannot be loaded.")
final class SelfCheckCommand implements Callable<Integer> {

    static final int PASSED = 0;
    static final int VALUES_DIFFER = 1;
    static final int LOAD_FAILED = 2;

    /** Prompt and length used by {@code --write-expected}. A check reads both from the expected values. */
    private static final String DEFAULT_PROMPT = "How do I make a paper boat?";
    private static final int DEFAULT_MAX_NEW_TOKENS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(SelfCheckCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--expected", description = "JSON file of expected values to compare with "
            + "(default: the values shipped in the jar).")
    Path expectedFile;

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceOptions.DeviceName.class, description = "Device to check after the CPU: cpu, gpu or "
            + "auto (default: ${DEFAULT-VALUE}). On a GPU, or with --dtype float16, the demo model runs there too and "
            + "its logits, greedy generation and a 3-step edit are compared with the CPU in float32.")
    String device;

    @Mixin
    DtypeOption dtype = new DtypeOption();

    @Option(names = "--write-expected", converter = PathOptions.OutputPath.class,
            description = "Measure the values with the current libtorch and demo model "
            + "and write them to this JSON file instead of comparing (after remaking the demo model). An existing file is "
            + "replaced.")
    Path writeExpected;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (writeExpected != null) {
            // Checked now, not after the whole check: a folder or a path under a file cannot be written.
            JsonOutput.checkOutputFile(writeExpected, DemoModel.directory(), true);
        }
        SelfCheckValues expected = writeExpected != null ? null : readExpected();
        LOG.info("Self-check started");
        out.println(new Main.Version().getVersion()[0] + ", self-check");
        out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") in "
                + System.getProperty("java.home"));

        LibtorchInfo libtorch;
        try {
            libtorch = LibtorchInfo.load();
        } catch (IllegalStateException e) {
            Main.FILE_LOG.error("Self-check could not load libtorch: {}", e.getMessage());
            LOG.debug("libtorch load failure", e);
            err.println("self-check FAILED: " + e.getMessage());
            return LOAD_FAILED;
        }
        out.println("engine: " + libtorch.engineName() + " " + libtorch.libtorchVersion() + " through DJL "
                + libtorch.djlVersion());
        out.println("libtorch: " + libtorch.libtorchDir() + " (" + libtorch.source()
                + libtorch.foundVersion().map(version -> ", version " + version).orElse("") + ")");
        LibtorchProbe.loadedJniLibrary().ifPresent(file -> out.println("JNI library: " + file));
        LibtorchProbe.warnings().forEach(warning -> out.println("warning: " + warning));
        out.flush();

        Device target;
        try {
            target = DeviceChoice.resolve(device);
        } catch (IllegalArgumentException e) {
            Main.FILE_LOG.error("Self-check cannot use device '{}': {}", device, e.getMessage());
            err.println("self-check FAILED: " + e.getMessage());
            return LOAD_FAILED;
        }
        boolean checkDevice = target.isGpu() || dtype.value() != ComputeDType.FLOAT32;
        if (checkDevice && writeExpected != null) {
            throw new ParameterException(spec.commandLine(), "--write-expected measures the CPU values in float32, "
                    + "so run it without --device gpu and --dtype float16");
        }

        String prompt = expected != null ? expected.prompt() : DEFAULT_PROMPT;
        int maxNewTokens = expected != null ? expected.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;

        Path modelDir;
        LanguageModel model;
        try {
            modelDir = DemoModel.directory();
            model = LanguageModel.load(modelDir, Device.cpu());
        } catch (IOException | RuntimeException e) {
            Main.FILE_LOG.error("Self-check could not load the demo model", e);
            err.println("self-check FAILED: the demo model could not be loaded: " + e.getMessage());
            return LOAD_FAILED;
        }
        out.println("demo model: " + modelDir);
        SelfCheckValues actual;
        try (LanguageModel lm = model) {
            actual = SelfCheckValues.measure(lm, modelDir, prompt, maxNewTokens);
        }
        out.println("forward: logits " + Arrays.toString(actual.logitsShape()) + ", top next-token ids "
                + Arrays.toString(actual.lastTopIds()));
        out.println("generation: \"" + actual.generatedText() + "\"");

        if (writeExpected != null) {
            JsonOutput.write(writeExpected, actual);
            out.println("wrote the measured values to " + writeExpected.toAbsolutePath());
            return PASSED;
        }
        int result = report(expected, actual, start, out, err);
        if (result == PASSED && !target.isGpu() && device.equals("auto")) {
            out.println("GPU comparison skipped: libtorch sees no CUDA GPU (--device gpu makes that an error)");
        }
        if (result != PASSED || !checkDevice) {
            return result;
        }
        return checkDevice(modelDir, target, prompt, maxNewTokens, out, err);
    }

    /** Runs the {@link DeviceCheck} on {@code target} in the chosen type and prints what it compared. */
    private int checkDevice(Path modelDir, Device target, String prompt, int maxNewTokens, PrintWriter out,
            PrintWriter err) throws IOException {
        long start = System.nanoTime();
        ComputeDType type = dtype.value();
        out.println("device check: " + target + " in " + type.label() + ", compared with the CPU in float32");
        out.flush();
        DeviceCheck.Measurement reference = DeviceCheck.measure(modelDir, Device.cpu(), ComputeDType.FLOAT32, prompt,
                maxNewTokens);
        DeviceCheck.Measurement actual;
        try {
            actual = DeviceCheck.measure(modelDir, target, type, prompt, maxNewTokens);
        } catch (IOException | RuntimeException e) {
            Main.FILE_LOG.error("Device check could not run the demo model on {} in {}", target, type.label(), e);
            err.println("self-check FAILED: the demo model could not run on " + target + " in " + type.label() + ": "
                    + e.getMessage());
            return LOAD_FAILED;
        }
        DeviceCheck.Tolerances tolerances = DeviceCheck.Tolerances.of(type);
        out.println(String.format(Locale.ROOT, "  forward: top next-token ids %s, last-position logits within %.3g "
                + "of the CPU (tolerance %s)", Arrays.toString(actual.values().lastTopIds()),
                SelfCheckValues.maxDifference(reference.lastLogits(), actual.lastLogits()), tolerances.logit()));
        out.println("  generation: " + DeviceCheck.sharedGeneratedPrefix(reference, actual) + " of "
                + reference.values().generatedIds().length + " ids as on the CPU: \""
                + actual.values().generatedText() + "\"");
        out.println(String.format(Locale.ROOT, "  edit: %d steps, losses %s (CPU %s), %.3f s per step (CPU %.3f s)",
                actual.losses().length, losses(actual.losses()), losses(reference.losses()), actual.editStepSeconds(),
                reference.editStepSeconds()));
        out.println(String.format(Locale.ROOT, "  edited forward: logits within %.3g of the CPU; reverted: %s",
                SelfCheckValues.maxDifference(reference.editedLastLogits(), actual.editedLastLogits()),
                Arrays.equals(actual.lastLogits(), actual.revertedLastLogits()) ? "logits restored exactly"
                        : "logits NOT restored"));
        actual.gpuMemory().ifPresent(memory -> out.println(String.format(Locale.ROOT,
                "  GPU memory in use: %.0f MiB of %.0f MiB (every process on the GPU)",
                memory.usedBytes() / 1048576.0, memory.totalBytes() / 1048576.0)));

        List<String> problems = DeviceCheck.differences(reference, actual);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!problems.isEmpty()) {
            LOG.error("Device check failed after {} s: {}", String.format(Locale.ROOT, "%.1f", seconds), problems);
            err.println("self-check FAILED: the demo model on " + target + " in " + type.label()
                    + " differs from the CPU:");
            problems.forEach(problem -> err.println("  - " + problem));
            return VALUES_DIFFER;
        }
        out.println(String.format(Locale.ROOT, "device check passed in %.1f s", seconds));
        LOG.info("Device check on {} in {} passed in {} s", target, type.label(),
                String.format(Locale.ROOT, "%.1f", seconds));
        return PASSED;
    }

    private static String losses(double[] values) {
        return Arrays.stream(values).mapToObj(value -> String.format(Locale.ROOT, "%.4f", value))
                .collect(java.util.stream.Collectors.joining("/"));
    }

    /** Reads the expected values: {@code --expected}, else those shipped in the jar. */
    private SelfCheckValues readExpected() throws IOException {
        if (expectedFile == null) {
            return SelfCheckValues.shipped();
        }
        if (!java.nio.file.Files.isRegularFile(expectedFile)) {
            throw unusableExpectedFile(java.nio.file.Files.exists(expectedFile) ? "it is a folder, not a file"
                    : "the file does not exist");
        }
        try {
            return SelfCheckValues.read(expectedFile);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw unusableExpectedFile("it is not a JSON file of expected values: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw unusableExpectedFile(e.getMessage());
        }
    }

    private ParameterException unusableExpectedFile(String reason) {
        return new ParameterException(spec.commandLine(), "--expected " + expectedFile + " cannot be used, because "
                + reason + ". Give a file written by 'self-check --write-expected FILE'");
    }

    private static int report(SelfCheckValues expected, SelfCheckValues actual, long start, PrintWriter out,
            PrintWriter err) {
        List<String> problems = expected.differences(actual);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!problems.isEmpty()) {
            LOG.error("Self-check failed after {} s: {}", String.format("%.1f", seconds), problems);
            err.println("self-check FAILED: the demo model's results differ from the expected values:");
            problems.forEach(problem -> err.println("  - " + problem));
            err.println("The libtorch build above may be broken or not the CPU build of libtorch 2.7.1; "
                    + "reinstall the app, or unset PYTORCH_LIBRARY_PATH to use the bundled libtorch.");
            return VALUES_DIFFER;
        }
        out.println(String.format(java.util.Locale.ROOT, "top logits within %.0e of the expected values, "
                + "generated ids identical", SelfCheckValues.LOGIT_TOLERANCE));
        out.println(String.format(java.util.Locale.ROOT, "self-check passed in %.1f s", seconds));
        LOG.info("Self-check passed in {} s", String.format(java.util.Locale.ROOT, "%.1f", seconds));
        return PASSED;
    }
}
