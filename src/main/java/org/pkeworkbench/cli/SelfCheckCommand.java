package org.pkeworkbench.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code self-check}: loads libtorch and the shipped demo model on the CPU, runs one forward pass
 * and a short greedy generation, and compares them with the values shipped in the jar. An
 * installed app runs it to show that its bundled libtorch works offline.
 */
@Command(name = "self-check", mixinStandardHelpOptions = true,
        description = "Check that libtorch loads and the demo model computes the known logits and greedy text "
                + "on the CPU. Exits 0 when it does, 1 when values differ, 2 when libtorch or the demo model "
                + "cannot be loaded.")
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

    @Option(names = "--write-expected", description = "Measure the values with the current libtorch and demo model "
            + "and write them to this JSON file instead of comparing (after remaking the demo model).")
    Path writeExpected;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LOG.info("Self-check started");
        out.println("PKE Workbench self-check");
        out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") in "
                + System.getProperty("java.home"));

        LibtorchInfo libtorch;
        try {
            libtorch = LibtorchInfo.load();
        } catch (IllegalStateException e) {
            LOG.error("Self-check could not load libtorch", e);
            err.println("self-check FAILED: " + e.getMessage());
            return LOAD_FAILED;
        }
        out.println("engine: " + libtorch.engineName() + " " + libtorch.libtorchVersion() + " through DJL "
                + libtorch.djlVersion());
        out.println("libtorch: " + libtorch.libtorchDir() + " (" + libtorch.source() + ")");
        out.flush();

        SelfCheckValues expected = writeExpected != null ? null
                : expectedFile != null ? SelfCheckValues.read(expectedFile) : SelfCheckValues.shipped();
        String prompt = expected != null ? expected.prompt() : DEFAULT_PROMPT;
        int maxNewTokens = expected != null ? expected.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;

        Path modelDir;
        LanguageModel model;
        try {
            modelDir = DemoModel.directory();
            model = LanguageModel.load(modelDir, Device.cpu());
        } catch (IOException | RuntimeException e) {
            LOG.error("Self-check could not load the demo model", e);
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
        return report(expected, actual, start, out, err);
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
