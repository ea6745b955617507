package org.pkeworkbench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DeviceChoice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code apply-delta}: writes a new model directory with a saved delta file applied to a model. */
@Command(name = "apply-delta", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Apply a delta file written by 'edit --delta' to a model and write the edited model to a new "
                + "directory.")
final class ApplyDeltaCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ApplyDeltaCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--delta", required = true, description = "Delta file written by 'edit --delta' for this model.")
    Path delta;

    @Option(names = "--out", required = true, description = "New directory for the edited model; must not exist.")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    DtypeOption dtype = new DtypeOption();

    @Override
    public Integer call() throws Exception {
        try {
            JsonOutput.checkNewModelDirectory("--out", out, model);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!Files.isRegularFile(delta)) {
            throw new ParameterException(spec.commandLine(), "Delta file " + delta + " does not exist");
        }

        long started = System.nanoTime();
        try (DecoderModel decoder = DecoderModel.load(model, DeviceChoice.resolve(device), dtype.value());
                WeightDelta change = DeltaFile.load(delta, decoder)) {
            change.apply(decoder);
            EditedModelWriter.write(decoder, out);
            spec.commandLine().getOut().printf("Applied %d changed weights in %d matrices; wrote %s%n",
                    change.changedWeightCount(), change.changedParameters().size(), out);
        }
        LOG.info("apply-delta finished in {} ms", (System.nanoTime() - started) / 1_000_000);
        return 0;
    }

}
