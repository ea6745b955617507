package org.pkeworkbench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.trace.NeuronWeightTables;
import org.pkeworkbench.trace.WeightViews;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weights}: per-neuron MLP weight norms, and optionally how much an edited copy changed them. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Write the L2 norm of every MLP neuron's down, gate and up weights, and with --compare-to the "
                + "norm of their change in an edited copy of the model, as JSON tables [layers][neurons].")
final class WeightsCommand implements Callable<Integer> {

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--compare-to", converter = PathOptions.ModelFolder.class,
            description = "An edited copy of --model (same architecture); adds the per-neuron "
            + "norm of W_edited - W_model.")
    Path compareTo;

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
        checkOutput(out);
        if (csv != null) {
            checkOutput(csv);
        }
        JsonOutput.checkDistinct(List.of(), Arrays.asList(out, csv));

        NeuronWeightTables norms;
        NeuronWeightTables change = null;
        try (DecoderModel original = DecoderModel.load(model, devices.resolve(), devices.dtype())) {
            // The engine is loaded with the model; only then can its gradient mode be switched.
            Autograd.disableOnThisThread();
            norms = WeightViews.norms(original);
            if (compareTo != null) {
                try (DecoderModel edited = DecoderModel.load(compareTo, original.device(), original.dtype())) {
                    change = WeightViews.change(original, edited);
                }
            }
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.toString());
        json.put("compare_to", compareTo == null ? null : compareTo.toString());
        json.put("layers", norms.layerCount());
        json.put("neurons", norms.down()[0].length);
        json.put("norm", tables(norms));
        json.put("change", change == null ? null : tables(change));
        JsonOutput.write(out, json);

        if (csv != null) {
            NeuronWeightTables changed = change;
            JsonOutput.writeCsv(csv, writer -> writeCsv(writer, norms, changed));
        }
        return 0;
    }

    private void checkOutput(Path file) throws java.io.IOException {
        JsonOutput.checkOutputFile(file, model, overwrite);
        if (compareTo != null) {
            JsonOutput.checkOutputFile(file, compareTo, overwrite);
        }
    }

    private static Map<String, Object> tables(NeuronWeightTables tables) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("down", tables.down());
        out.put("gate", tables.gate());
        out.put("up", tables.up());
        return out;
    }

    /** Columns: layer, neuron, the three norms, then the three changes (empty without --compare-to or a gate). */
    private static void writeCsv(PrintWriter writer, NeuronWeightTables norms, NeuronWeightTables change) {
        writer.println("layer,neuron,down_norm,gate_norm,up_norm,down_change,gate_change,up_change");
        for (int l = 0; l < norms.layerCount(); l++) {
            for (int j = 0; j < norms.down()[l].length; j++) {
                StringBuilder line = new StringBuilder().append(l).append(',').append(j);
                appendValues(line, norms, l, j);
                if (change != null) {
                    appendValues(line, change, l, j);
                } else {
                    line.append(",,,");
                }
                writer.println(line);
            }
        }
    }

    private static void appendValues(StringBuilder line, NeuronWeightTables tables, int layer, int neuron) {
        line.append(',').append(tables.down()[layer][neuron]).append(',');
        if (tables.hasGate()) {
            line.append(tables.gate()[layer][neuron]);
        }
        line.append(',').append(tables.up()[layer][neuron]);
    }
}
