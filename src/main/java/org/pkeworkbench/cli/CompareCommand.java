package org.pkeworkbench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditPipeline;
import org.pkeworkbench.eval.DatasetLoader;
import org.pkeworkbench.eval.EditRecord;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code compare}: the locator's safe-versus-unsafe scores over a whole edit set, without editing. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Teacher-force every edit record's safe and unsafe response, and write the locator's per-layer "
                + "scores, per-neuron scores and suggested hot spots, averaged over the records, as JSON.")
final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--edit-set", converter = PathOptions.ExistingFile.class,
            required = true, description = "Edit records: SafeEdit JSON, AdvBench-style CSV "
            + "or JSONL with prompt and optional safe and unsafe responses.")
    Path editSet;

    @Option(names = "--chat", description = "Wrap prompts as user messages with the model's chat template.")
    boolean chat;

    @Option(names = "--max-records", defaultValue = "0", description = "Use at most this many records; 0 for all.")
    int maxRecords;

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Tokens generated for a record without an "
            + "unsafe response (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--layers", defaultValue = "2", description = "Number of suggested hot-spot layers "
            + "(default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--neuron-fraction", defaultValue = "0.2", description = "Fraction of each hot-spot layer's "
            + "neurons suggested (default: ${DEFAULT-VALUE}).")
    double neuronFraction;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "Output JSON file.")
    Path out;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Also write one CSV row per (layer, neuron).")
    Path csv;

    @Option(names = "--overwrite", description = "Replace --out and --csv if they exist.")
    boolean overwrite;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        if (maxRecords < 0) {
            throw new ParameterException(spec.commandLine(), "--max-records must be 0 (all) or more, got " + maxRecords);
        }
        OptionValues.atLeast(spec, "--max-new-tokens", maxNewTokens, 1);
        OptionValues.atLeast(spec, "--layers", layers, 1);
        OptionValues.fraction(spec, "--neuron-fraction", neuronFraction);
        LocateSettings settings = new LocateSettings(layers, LocateSettings.NeuronSelection.FRACTION, neuronFraction,
                1, 1, 1);
        JsonOutput.checkDistinct(List.of(editSet), Arrays.asList(out, csv));
        JsonOutput.checkOutputFiles(model, overwrite, out, csv);

        List<EditRecord> records = DatasetLoader.load(editSet);
        if (maxRecords > 0 && records.size() > maxRecords) {
            records = records.subList(0, maxRecords);
        }
        LocateResult result;
        int used;
        try (LanguageModel lm = LanguageModel.load(model, devices.resolve(), devices.dtype())) {
            // The engine is loaded with the model; only then can its gradient mode be switched.
            Autograd.disableOnThisThread();
            settings = fitLayers(settings, lm.decoder().config().numLayers());
            List<EditExample> examples = new EditPipeline(lm).prepareExamples(records, chat, maxNewTokens,
                    ProgressListener.NONE);
            used = examples.size();
            result = new Locator(lm.decoder()).locate(examples, settings, ProgressListener.NONE);
        }

        Map<String, Object> json = toJson(result, records.size(), used);
        JsonOutput.write(out, json);
        if (csv != null) {
            JsonOutput.writeCsv(csv, writer -> writeCsv(writer, result));
        }
        return 0;
    }

    /** More hot-spot layers than the model has would only repeat the same ranking; cap at the layer count. */
    private static LocateSettings fitLayers(LocateSettings settings, int modelLayers) {
        if (settings.layerCount() <= modelLayers) {
            return settings;
        }
        return new LocateSettings(modelLayers, settings.selection(), settings.selectionValue(),
                settings.hiddenDifferenceWeight(), settings.gradientWeight(), settings.logitLensWeight());
    }

    private Map<String, Object> toJson(LocateResult result, int loaded, int used) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.toString());
        json.put("edit_set", editSet.toString());
        json.put("chat", chat);
        json.put("records_loaded", loaded);
        json.put("records_used", used);
        json.put("layers", result.layerCount());
        json.put("neurons", result.neuronScores()[0].length);

        Map<String, Object> layerScores = new LinkedHashMap<>();
        layerScores.put("hidden_difference", result.hiddenDifference());
        layerScores.put("gradient_score", result.gradientScore());
        layerScores.put("logit_lens_margin", result.logitLensMargin());
        layerScores.put("combined", result.layerScore());
        json.put("layer_scores", layerScores);

        json.put("neuron_scores", result.neuronScores());
        json.put("neuron_activation_difference", result.neuronActivationDifference());
        json.put("neuron_gradient_magnitude", result.neuronGradientMagnitude());

        List<Map<String, Object>> hotSpots = new ArrayList<>();
        for (HotSpot spot : result.suggested()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("layer", spot.layer());
            entry.put("neurons", spot.neurons());
            hotSpots.add(entry);
        }
        json.put("hot_spots", hotSpots);
        return json;
    }

    /** Writes one row per (layer, neuron), with the layer's scores repeated on each of its rows. */
    private static void writeCsv(PrintWriter writer, LocateResult result) {
        writer.println("layer,neuron,neuron_score,activation_difference,gradient_magnitude,hot_spot,"
                + "hidden_difference,gradient_score,logit_lens_margin,combined");
        for (int l = 0; l < result.layerCount(); l++) {
            Set<Integer> hot = new HashSet<>();
            for (HotSpot spot : result.suggested()) {
                if (spot.layer() == l) {
                    hot.addAll(spot.neurons());
                }
            }
            String layerColumns = result.hiddenDifference()[l] + "," + result.gradientScore()[l] + ","
                    + result.logitLensMargin()[l] + "," + result.layerScore()[l];
            for (int j = 0; j < result.neuronScores()[l].length; j++) {
                writer.println(l + "," + j + "," + result.neuronScores()[l][j] + ","
                        + result.neuronActivationDifference()[l][j] + "," + result.neuronGradientMagnitude()[l][j]
                        + "," + hot.contains(j) + "," + layerColumns);
            }
        }
    }
}
