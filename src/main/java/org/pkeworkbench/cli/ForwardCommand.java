package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code forward}: one forward pass over given token ids, logits and captures written as JSON. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run one forward pass over token ids and write logits and capture points as JSON.")
final class ForwardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--ids", required = true, split = ",", description = "Comma-separated token ids, e.g. 1,403,407.")
    List<Long> ids;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "Output JSON file: {\"logits\": [[...] per position], "
            + "\"captures\": {NAME: nested lists}}.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Option(names = "--capture", arity = "1..*", split = ",", description = "Capture points to record, e.g. layers.1.mlp.act "
            + "(also embed, final_norm, layers.L.resid_pre|attn_out|resid_mid|mlp_out|resid_post|attn.pattern|attn.z|attn.v). "
            + "The batch axis is dropped.")
    List<String> captures = new ArrayList<>();

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        JsonOutput.checkOutputFile(out, model, overwrite);
        try (DecoderModel decoder = DecoderModel.load(model, devices.resolve(), devices.dtype());
                NDManager scope = decoder.manager().newSubManager()) {
            int vocab = decoder.config().vocabSize();
            for (long id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new ParameterException(spec.commandLine(), "Token id " + id + " in --ids is out of range; "
                            + "the model's vocabulary has " + vocab + " ids (0 to " + (vocab - 1) + ")");
                }
            }
            for (String name : captures) {
                if (!HookPoints.isValid(name, decoder.config().numLayers())) {
                    throw new ParameterException(spec.commandLine(), "Unknown capture point '" + name + "' for a model with "
                            + decoder.config().numLayers() + " layers; see --help for the names");
                }
            }
            long[] sequence = ids.stream().mapToLong(Long::longValue).toArray();
            ForwardResult result = decoder.forward(scope, scope.create(sequence).reshape(1, sequence.length),
                    ForwardOptions.create().capture(captures.toArray(new String[0])));
            JsonOutput.writeAtomically(out, stream -> {
                try (JsonGenerator json = JsonOutput.MAPPER.getFactory().createGenerator(stream)) {
                    json.writeStartObject();
                    json.writeFieldName("logits");
                    JsonOutput.writeNested(json, result.logits().get(0));
                    json.writeObjectFieldStart("captures");
                    for (String name : captures) {
                        NDArray value = result.capture(name);
                        json.writeFieldName(name);
                        JsonOutput.writeNested(json, value.get(0));
                    }
                    json.writeEndObject();
                    json.writeEndObject();
                }
            });
        }
        return 0;
    }
}
