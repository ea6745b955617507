package org.pkeworkbench.cli;

import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.edit.EditMode;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The model, data and evaluation options that {@code edit} and {@code compare-methods} share. */
final class EditRunOptions {

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--edit-set", converter = PathOptions.ExistingFile.class,
            required = true, description = "Edit records: SafeEdit JSON, AdvBench-style CSV "
            + "(goal column) or JSONL {prompt, safe, unsafe}. Missing safe responses get a standard refusal; missing "
            + "unsafe responses get the model's own output.")
    Path editSet;

    @Option(names = "--eval-set", converter = PathOptions.ExistingFile.class,
            required = true, description = "Attack prompts for ASR before and after (same formats).")
    Path evalSet;

    @Option(names = "--benign-set", converter = PathOptions.ExistingFile.class,
            description = "Benign prompts for ROUGE-L and over-refusal (default: the built-in set).")
    Path benignSet;

    @Option(names = "--capability-set", converter = PathOptions.ExistingFile.class,
            description = "AlpacaEval-style JSON of instructions with reference outputs "
            + "(for example alpaca_eval/model_outputs_gpt4_1106_preview.json): reports the win rate of the answers "
            + "after the edit against those before it, judged by ROUGE-L overlap with the references.")
    Path capabilitySet;

    @Option(names = "--edit-mode", defaultValue = "batch", description = "batch (one edit from all records) or "
            + "per-record (locate and edit each record in turn, as DINM's code does) (default: ${DEFAULT-VALUE}).")
    String editMode;

    @Option(names = "--chat", negatable = true, description = "Use the model's chat template for prompts (default: "
            + "when the model has one).")
    Boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Tokens per generated response "
            + "(default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--batch-size", defaultValue = "8", description = "Prompts generated together in one left-padded "
            + "batch during evaluation (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--locality-count", defaultValue = "16", description = "Built-in benign prompts in the KL term "
            + "(default: ${DEFAULT-VALUE}).")
    int localityCount;

    @Option(names = "--max-edit-records", defaultValue = "0", description = "Use at most this many edit records; 0 for all.")
    int maxEditRecords;

    @Option(names = "--max-eval-prompts", defaultValue = "0", description = "Use at most this many prompts of each "
            + "evaluation set; 0 for all.")
    int maxEvalPrompts;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    /** Rejects invalid numbers before the model loads; picocli has checked the input files while parsing. */
    void check(CommandSpec spec) {
        OptionValues.atLeast(spec, "--batch-size", batchSize, 1);
        OptionValues.atLeast(spec, "--locality-count", localityCount, 0);
        OptionValues.atLeast(spec, "--max-edit-records", maxEditRecords, 0);
        OptionValues.atLeast(spec, "--max-eval-prompts", maxEvalPrompts, 0);
        OptionValues.atLeast(spec, "--max-new-tokens", maxNewTokens, 1);
        mode(spec);
    }

    EditMode mode(CommandSpec spec) {
        return switch (editMode) {
            case "batch" -> EditMode.BATCH;
            case "per-record" -> EditMode.PER_RECORD;
            default -> throw new ParameterException(spec.commandLine(), "Unknown --edit-mode '" + editMode
                    + "'; use batch or per-record");
        };
    }

    /** Builds the request for one method; {@code useChat} is the resolved --chat choice. */
    EditRequest request(CommandSpec spec, String method, EditSettings settings, LocateSettings locate,
            boolean useChat) {
        return new EditRequest(editSet, evalSet, benignSet, method, settings, locate, List.of(), useChat, maxNewTokens,
                localityCount, maxEditRecords, maxEvalPrompts, mode(spec), batchSize, capabilitySet);
    }
}
