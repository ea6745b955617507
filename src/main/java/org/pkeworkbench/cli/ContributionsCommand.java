package org.pkeworkbench.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.ContributionTracer;
import org.pkeworkbench.trace.HeadContribution;
import org.pkeworkbench.trace.LayerContributions;
import org.pkeworkbench.trace.NeuronContribution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code contributions}: the information-flow graph of one prompt, written as JSON and optionally CSV. */
@Command(name = "contributions", mixinStandardHelpOptions = true,
        description = "Trace the information-flow routes of a prompt: normalised contributions of source tokens, "
                + "residual and MLP into every layer and position, with the top heads and neurons.")
final class ContributionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text to trace.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message with the model's chat template.")
    boolean chat;

    @Option(names = "--threshold", defaultValue = "0.04", description = "Keep edges whose normalised weight is at "
            + "least this value: 0 keeps every edge, and a value above 1 keeps none, since normalised weights are at "
            + "most 1 (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--top-k", defaultValue = "5", description = "Heads and neurons listed per node "
            + "(default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "Output JSON file with tokens, edges and top heads "
            + "and neurons per node.")
    Path out;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Also write the kept edges as CSV: layer,kind,from_node,from_position,"
            + "to_node,to_position,weight.")
    Path csv;

    @Option(names = "--overwrite", description = "Replace --out and --csv if they exist.")
    boolean overwrite;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        OptionValues.atLeast(spec, "--threshold", threshold, 0);
        OptionValues.atLeast(spec, "--top-k", topK, 0);
        JsonOutput.checkOutputFiles(model, overwrite, out, csv);

        try (LanguageModel lm = LanguageModel.load(model, devices.resolve(), devices.dtype())) {
            long[] ids = lm.promptIds(prompt, chat);
            if (ids.length == 0) {
                throw new ParameterException(spec.commandLine(), "--prompt encodes to no tokens; give a non-empty prompt");
            }
            ContributionGraph graph = new ContributionTracer(lm.decoder(), topK, lm.tokenizer())
                    .trace(ids, ProgressListener.NONE);
            List<ContributionGraph.Edge> edges = graph.edges(threshold);

            JsonOutput.write(out, report(lm, graph, edges));
            if (csv != null) {
                JsonOutput.writeCsv(csv, writer -> writeCsv(writer, edges));
            }
        }
        return 0;
    }

    private Map<String, Object> report(LanguageModel lm, ContributionGraph graph, List<ContributionGraph.Edge> edges) {
        List<Map<String, Object>> tokens = new ArrayList<>();
        for (long id : graph.tokenIds()) {
            tokens.add(ordered("id", id, "text", lm.tokenizer().decode(new long[] {id}, false)));
        }

        List<Map<String, Object>> edgeRows = new ArrayList<>();
        for (ContributionGraph.Edge edge : edges) {
            edgeRows.add(ordered("layer", edge.from().layer(), "kind", edge.kind().name(),
                    "from", ordered("node", edge.from().kind().name(), "position", edge.from().position()),
                    "to", ordered("node", edge.to().kind().name(), "position", edge.to().position()),
                    "weight", edge.weight()));
        }

        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int layer = 0; layer < graph.numLayers(); layer++) {
            LayerContributions contributions = graph.layer(layer);
            for (int t = 0; t < graph.sequenceLength(); t++) {
                List<Map<String, Object>> heads = new ArrayList<>();
                for (HeadContribution head : contributions.topHeads().get(t)) {
                    heads.add(ordered("head", head.head(), "weight", head.weight(),
                            "promoted_tokens", head.promotedTokens()));
                }
                List<Map<String, Object>> neurons = new ArrayList<>();
                for (NeuronContribution neuron : contributions.topNeurons().get(t)) {
                    neurons.add(ordered("neuron", neuron.neuron(), "activation", neuron.activation(),
                            "score", neuron.score(), "share", neuron.share(),
                            "promoted_tokens", neuron.promotedTokens()));
                }
                nodes.add(ordered("layer", layer, "position", t, "top_heads", heads, "top_neurons", neurons));
            }
        }

        return ordered("model", model.toAbsolutePath().toString(), "prompt", prompt, "chat", chat,
                "threshold", threshold, "tokens", tokens, "edges", edgeRows, "nodes", nodes);
    }

    private static void writeCsv(Writer writer, List<ContributionGraph.Edge> edges) throws IOException {
        writer.write("layer,kind,from_node,from_position,to_node,to_position,weight\n");
        for (ContributionGraph.Edge edge : edges) {
            writer.write(edge.from().layer() + "," + edge.kind() + "," + edge.from().kind() + ","
                    + edge.from().position() + "," + edge.to().kind() + "," + edge.to().position() + ","
                    + edge.weight() + "\n");
        }
        writer.flush();
    }

    /** Builds a map that keeps the order of its {@code key, value} pairs, so the JSON reads in that order. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
