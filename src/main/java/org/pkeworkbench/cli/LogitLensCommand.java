package org.pkeworkbench.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.trace.LogitLens;
import org.pkeworkbench.trace.LogitLensResult;
import org.pkeworkbench.trace.TopToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code logit-lens}: the next-token distribution read from the residual stream after every layer. */
@Command(name = "logit-lens", mixinStandardHelpOptions = true,
        description = "Read the residual stream after every layer through the final norm and unembedding and write "
                + "the top tokens per layer and position (and the target's probabilities) as JSON.")
final class LogitLensCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LogitLensCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message with the model's chat template.")
    boolean chat;

    @Option(names = "--target", defaultValue = "", description = "Continuation appended after the prompt; its tokens' "
            + "probabilities are reported per layer under teacher forcing.")
    String target;

    @Option(names = "--top-k", defaultValue = "5", description = "Most likely tokens kept per layer and position "
            + "(default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "Output JSON file.")
    Path out;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Also write one CSV row per (layer, position).")
    Path csv;

    @Option(names = "--overwrite", description = "Replace --out and --csv if they exist.")
    boolean overwrite;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        OptionValues.atLeast(spec, "--top-k", topK, 1);
        JsonOutput.checkOutputFiles(model, overwrite, out, csv);
        LogitLensResult result;
        try (LanguageModel lm = LanguageModel.load(model, devices.resolve(), devices.dtype())) {
            long[] promptIds = lm.promptIds(prompt, chat);
            long[] targetIds = target.isEmpty() ? new long[0] : lm.responseIds(target);
            if (lm.startsWithBareBoundary(targetIds)) {
                String warning = lm.bareBoundaryMessage(target, targetIds) + ". " + lm.bareBoundaryAdvice(target);
                LOG.warn(warning);
                spec.commandLine().getErr().println("Warning: " + warning);
            }
            result = LogitLens.run(lm.decoder(), lm.tokenizer(), promptIds, targetIds, topK, ProgressListener.NONE);
        }
        JsonOutput.writeJson(out, json -> writeJson(json, result));
        if (csv != null) {
            JsonOutput.writeCsv(csv, writer -> writeCsv(writer, result));
        }
        return 0;
    }

    private static void writeJson(JsonGenerator json, LogitLensResult result) throws java.io.IOException {
        json.writeStartObject();
        json.writeFieldName("token_ids");
        json.writeArray(result.tokenIds(), 0, result.tokenIds().length);
        json.writeArrayFieldStart("tokens");
        for (String text : result.tokenTexts()) {
            json.writeString(text);
        }
        json.writeEndArray();
        json.writeNumberField("prompt_length", result.promptLength());
        json.writeFieldName("layers");
        json.writeArray(result.layers(), 0, result.layers().length);

        json.writeArrayFieldStart("top");
        for (TopToken[][] layer : result.top()) {
            json.writeStartArray();
            for (TopToken[] position : layer) {
                json.writeStartArray();
                for (TopToken token : position) {
                    json.writeStartObject();
                    json.writeNumberField("id", token.id());
                    json.writeStringField("token", token.text());
                    json.writeNumberField("probability", token.probability());
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            json.writeEndArray();
        }
        json.writeEndArray();

        json.writeArrayFieldStart("target_probabilities");
        for (double[] layer : result.targetProbabilities()) {
            json.writeArray(layer, 0, layer.length);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /** Columns: layer, position, token, then rank/id/text/probability per top token, then the target's probability. */
    private static void writeCsv(PrintWriter writer, LogitLensResult result) {
        int k = result.top()[0][0].length;
        StringBuilder header = new StringBuilder("layer,position,token_id,token");
        for (int rank = 1; rank <= k; rank++) {
            header.append(",top").append(rank).append("_id,top").append(rank).append("_token,top").append(rank)
                    .append("_probability");
        }
        header.append(",target_id,target_probability");
        writer.println(header);

        for (int row = 0; row < result.layers().length; row++) {
            for (int position = 0; position < result.tokenIds().length; position++) {
                StringBuilder line = new StringBuilder();
                line.append(result.layers()[row]).append(',').append(position).append(',')
                        .append(result.tokenIds()[position]).append(',').append(CsvText.field(result.tokenTexts()[position]));
                for (TopToken token : result.top()[row][position]) {
                    line.append(',').append(token.id()).append(',').append(CsvText.field(token.text())).append(',')
                            .append(token.probability());
                }

                // The target token j is predicted at position promptLength - 1 + j.
                int targetIndex = position - (result.promptLength() - 1);
                if (targetIndex >= 0 && targetIndex < result.targetLength()) {
                    line.append(',').append(result.tokenIds()[position + 1]).append(',')
                            .append(result.targetProbabilities()[row][targetIndex]);
                } else {
                    line.append(",,");
                }
                writer.println(line);
            }
        }
    }
}
