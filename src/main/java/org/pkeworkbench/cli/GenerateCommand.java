package org.pkeworkbench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.SamplingSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code generate}: text in, generated text out on stdout (logs go to stderr). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation of a prompt and print only the generated text.")
final class GenerateCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--prompt", defaultValue = "", description = "Prompt text; empty starts from BOS.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message with the model's chat template.")
    boolean chat;

    @Option(names = "--max-new-tokens", description = "Tokens to generate at most (default: generation_config.json's "
            + "max_new_tokens, else 256).")
    Integer maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy decoding (default), else the "
            + "sampling temperature.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample from the k most likely tokens; 0 keeps all.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Sample from the smallest set of tokens whose "
            + "probability reaches p; 1 keeps all.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    private void checkOptions() {
        if (maxNewTokens != null) {
            OptionValues.atLeast(spec, "--max-new-tokens", maxNewTokens, 0);
        }
        OptionValues.atLeast(spec, "--temperature", temperature, 0);
        OptionValues.fraction(spec, "--top-p", topP);
        OptionValues.atLeast(spec, "--top-k", topK, 0);
    }

    /**
     * Returns the generation limit: {@code option} when given (checked before loading), else the
     * model's {@code generation_config.json} {@code max_new_tokens}, else 256.
     *
     * @throws IllegalArgumentException naming the file when it sets a negative limit
     */
    static int newTokenLimit(Integer option, LanguageModel lm, Path modelDir) {
        if (option != null) {
            return option;
        }
        int limit = lm.generationConfig().maxNewTokens().orElse(256);
        if (limit < 0) {
            throw new IllegalArgumentException(modelDir.resolve("generation_config.json") + " sets max_new_tokens to "
                    + limit + "; pass --max-new-tokens to use another limit");
        }
        return limit;
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (temperature == 0 && (topK != 0 || topP != 1)) {
            String warning = "--top-k and --top-p apply to sampling only; with --temperature 0 (greedy decoding) "
                    + "they change nothing";
            LOG.debug(warning);
            spec.commandLine().getErr().println("Warning: " + warning);
        }
        try (LanguageModel lm = LanguageModel.load(model, devices.resolve(), devices.dtype())) {
            int limit = newTokenLimit(maxNewTokens, lm, model);
            SamplingSettings settings = new SamplingSettings(limit, temperature, topK, topP, seed, lm.stopTokens());
            long[] promptIds = prompt.isEmpty() && !chat ? lm.bosOnly() : lm.promptIds(prompt, chat);
            // Ctrl-C or SIGTERM interrupts this thread: generation stops and no partial text is printed.
            String text = lm.generate(promptIds, settings, ForwardOptions::create,
                    () -> Thread.currentThread().isInterrupted());
            PrintWriter out = spec.commandLine().getOut();
            // A line break after the text, so that a shell prompt starts on its own line.
            out.println(text);
            out.flush();
        }
        return 0;
    }
}
