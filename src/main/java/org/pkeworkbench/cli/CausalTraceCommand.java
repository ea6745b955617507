package org.pkeworkbench.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.trace.CausalTraceResult;
import org.pkeworkbench.trace.CausalTraceSettings;
import org.pkeworkbench.trace.CausalTracing;
import org.pkeworkbench.trace.RestoredState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code causal-trace}: which (layer, token) hidden states carry the target prediction. */
@Command(name = "causal-trace", mixinStandardHelpOptions = true,
        description = "Corrupt the prompt's embeddings with Gaussian noise, restore the clean hidden state of one layer "
                + "at one token at a time, and write how much of the target token's probability comes back as JSON.")
final class CausalTraceCommand implements Callable<Integer> {

    /** Layers restored together for MLP and attention outputs, the window Meng et al. (2022) use. */
    private static final int DEFAULT_WINDOW = 10;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message with the model's chat template.")
    boolean chat;

    @Option(names = "--target", required = true, description = "Continuation whose first token's probability at the "
            + "last prompt position is measured.")
    String target;

    @Option(names = "--samples", defaultValue = "10", description = "Noisy runs averaged per measurement "
            + "(default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--noise", defaultValue = "3", description = "Noise standard deviation as a multiple of the "
            + "embedding matrix's standard deviation (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--corrupt-from", defaultValue = "0", description = "First prompt token position that gets noise "
            + "(default: ${DEFAULT-VALUE}).")
    int corruptFrom;

    @Option(names = "--corrupt-to", defaultValue = "-1", description = "Position after the last prompt token that gets "
            + "noise; -1 means the prompt's end (default: ${DEFAULT-VALUE}).")
    int corruptTo;

    @Option(names = "--state", defaultValue = "resid_post", description = "Hidden state restored from the clean run: "
            + "resid_post, mlp_out or attn_out (default: ${DEFAULT-VALUE}).")
    String state;

    @Option(names = "--window", description = "Layers restored together around each layer (default: 1 for "
            + "resid_post, 10 for mlp_out and attn_out); clipped at the first and last layer.")
    Integer window;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "Output JSON file.")
    Path out;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Also write one CSV row per (layer, token).")
    Path csv;

    @Option(names = "--overwrite", description = "Replace --out and --csv if they exist.")
    boolean overwrite;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        OptionValues.atLeast(spec, "--samples", samples, 1);
        OptionValues.atLeast(spec, "--noise", noise, 0);
        OptionValues.atLeast(spec, "--corrupt-from", corruptFrom, 0);
        if (corruptTo < -1) {
            throw new ParameterException(spec.commandLine(), "--corrupt-to must be a prompt position or -1 for the "
                    + "prompt's end, got " + corruptTo);
        }
        CausalTraceSettings settings = new CausalTraceSettings(samples, noise, seed, corruptFrom, corruptTo);
        RestoredState restored = parseState();
        int layersPerWindow;
        if (window != null) {
            layersPerWindow = window;
        } else if (restored == RestoredState.RESID_POST) {
            layersPerWindow = 1;
        } else {
            layersPerWindow = DEFAULT_WINDOW;
        }
        OptionValues.atLeast(spec, "--window", layersPerWindow, 1);
        JsonOutput.checkOutputFiles(model, overwrite, out, csv);
        CausalTraceResult result;
        try (LanguageModel lm = LanguageModel.load(model, devices.resolve(), devices.dtype())) {
            long[] promptIds = lm.promptIds(prompt, chat);
            checkCorruptedRange(promptIds.length);
            long targetId;
            try {
                targetId = lm.firstTargetToken(target);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--target: " + e.getMessage());
            }
            try (CausalTracing tracing = new CausalTracing(lm.decoder(), promptIds, targetId, settings)) {
                result = tracing.run(restored, layersPerWindow, lm.tokenizer(), ProgressListener.NONE);
            }
        }
        JsonOutput.writeJson(out, json -> writeJson(json, result, settings));
        if (csv != null) {
            JsonOutput.writeCsv(csv, writer -> writeCsv(writer, result));
        }
        return 0;
    }

    /** Rejects a --corrupt-from/--corrupt-to range outside the prompt, naming both options. */
    private void checkCorruptedRange(int promptLength) {
        int end = corruptTo < 0 ? promptLength : corruptTo;
        if (end > promptLength || corruptFrom >= end) {
            throw new ParameterException(spec.commandLine(), "--corrupt-from " + corruptFrom + " and --corrupt-to "
                    + corruptTo + " do not fit the prompt, which has " + promptLength + " tokens; give 0 <= from < to <= "
                    + promptLength + ", or -1 as --corrupt-to for the prompt's end");
        }
    }

    private RestoredState parseState() {
        return switch (state) {
            case "resid_post" -> RestoredState.RESID_POST;
            case "mlp_out" -> RestoredState.MLP_OUT;
            case "attn_out" -> RestoredState.ATTN_OUT;
            default -> throw new ParameterException(spec.commandLine(), "Invalid --state '" + state
                    + "'; use resid_post, mlp_out or attn_out");
        };
    }

    private static void writeJson(JsonGenerator json, CausalTraceResult result, CausalTraceSettings settings)
            throws java.io.IOException {
        json.writeStartObject();
        json.writeFieldName("token_ids");
        json.writeArray(result.tokenIds(), 0, result.tokenIds().length);
        json.writeArrayFieldStart("tokens");
        for (String text : result.tokenTexts()) {
            json.writeString(text);
        }
        json.writeEndArray();
        json.writeNumberField("target_id", result.targetId());
        json.writeStringField("target_token", result.targetText());
        json.writeNumberField("samples", settings.samples());
        json.writeNumberField("noise_multiplier", settings.noiseMultiplier());
        json.writeNumberField("seed", settings.seed());
        json.writeNumberField("noise_std", result.noiseStd());
        json.writeStringField("restored_state", result.restoredState().name().toLowerCase(java.util.Locale.ROOT));
        json.writeNumberField("window", result.window());
        json.writeNumberField("corrupt_from", result.corruptFrom());
        json.writeNumberField("corrupt_to", result.corruptTo());
        json.writeNumberField("clean_probability", result.cleanProbability());
        json.writeNumberField("corrupted_probability", result.corruptedProbability());
        writeTable(json, "restored_probability", result.restoredProbability());
        writeTable(json, "indirect_effect", result.indirectEffect());
        json.writeEndObject();
    }

    private static void writeTable(JsonGenerator json, String name, double[][] table) throws java.io.IOException {
        json.writeArrayFieldStart(name);
        for (double[] row : table) {
            json.writeArray(row, 0, row.length);
        }
        json.writeEndArray();
    }

    private static void writeCsv(PrintWriter writer, CausalTraceResult result) {
        writer.println("layer,position,token_id,token,restored_probability,indirect_effect");
        for (int layer = 0; layer < result.restoredProbability().length; layer++) {
            for (int position = 0; position < result.tokenIds().length; position++) {
                writer.println(layer + "," + position + "," + result.tokenIds()[position] + ","
                        + CsvText.field(result.tokenTexts()[position]) + "," + result.restoredProbability()[layer][position]
                        + "," + result.indirectEffect()[layer][position]);
            }
        }
    }
}
