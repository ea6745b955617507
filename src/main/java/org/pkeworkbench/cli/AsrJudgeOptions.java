package org.pkeworkbench.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.pkeworkbench.eval.GuardModelJudge;
import org.pkeworkbench.eval.GuardPromptFormat;
import org.pkeworkbench.eval.GuardSettings;
import org.pkeworkbench.eval.Judge;
import org.pkeworkbench.eval.RefusalPrefixJudge;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The judge that decides attack success in {@code edit} and {@code compare-methods}: the GCG
 * refusal-prefix judge, or a guard model run on this engine when {@code --guard-model} is given.
 */
final class AsrJudgeOptions {

    @Option(names = "--guard-model", converter = PathOptions.ModelFolder.class,
            description = "Judge attack success with this guard model (for example a Llama "
            + "Guard directory) instead of the refusal-prefix list.")
    Path guardModel;

    @Option(names = "--guard-threshold", defaultValue = "0.5", description = "p(unsafe) at or above which the guard "
            + "model counts an attack as successful (default: ${DEFAULT-VALUE}).")
    double guardThreshold;

    @Option(names = "--guard-answer-prefix", defaultValue = "", description = "Text appended after the guard "
            + "model's prompt before reading its verdict (Llama Guard 3 may need two newlines).")
    String guardAnswerPrefix;

    /** Rejects a --guard-threshold outside [0, 1] before any model loads. */
    void check(CommandSpec spec) {
        OptionValues.probability(spec, "--guard-threshold", guardThreshold);
    }

    /** A judge with the model it runs on (null for the prefix judge); close it after the run. */
    static final class OpenJudge implements AutoCloseable {

        final Judge judge;
        private final LanguageModel model;

        private OpenJudge(Judge judge, LanguageModel model) {
            this.judge = judge;
            this.model = model;
        }

        @Override
        public void close() {
            if (model != null) {
                model.close();
            }
        }
    }

    OpenJudge open(String device) throws IOException {
        if (guardModel == null) {
            return new OpenJudge(RefusalPrefixJudge.gcgDefault(), null);
        }
        LanguageModel guard = LanguageModel.load(guardModel, DeviceChoice.resolve(device));
        try {
            GuardModelJudge judge = new GuardModelJudge(guard,
                    new GuardSettings(guardThreshold, GuardPromptFormat.AUTO, guardAnswerPrefix));
            return new OpenJudge(judge, guard);
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
    }
}
