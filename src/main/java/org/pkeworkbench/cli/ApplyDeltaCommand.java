package org.pkeworkbench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.io.ModelFingerprint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--delta", converter = PathOptions.ExistingFile.class, required = true, description = "Delta file written by 'edit --delta' for this model.")
    Path delta;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "New or empty directory for the edited model.")
    Path out;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Option(names = "--allow-other-base", description = "Apply the delta even when --model is not the model it was "
            + "made from (its config.json or weight files differ), for example a converted or re-sharded copy of it.")
    boolean allowOtherBase;

    @Override
    public Integer call() throws Exception {
        JsonOutput.checkNewModelDirectory("--out", out, model);

        if (devices.dtype() == ComputeDType.FLOAT16) {
            String warning = "With --dtype float16 every weight is rounded to float16 before the edited model is "
                    + "written (in float32), so it differs from " + model + " in every weight, not only the edited "
                    + "ones. Use --dtype float32, the default, to keep the other weights exact.";
            LOG.warn(warning);
            spec.commandLine().getErr().println("Warning: " + warning);
        }
        long started = System.nanoTime();
        // Both checks read only the delta's metadata and a few megabytes of the model, before it loads.
        DeltaFile.checkSizes(delta, ModelConfig.load(model), model);
        checkBaseModel();
        try (DecoderModel decoder = DecoderModel.load(model, devices.resolve(), devices.dtype());
                WeightDelta change = DeltaFile.load(delta, decoder)) {
            change.apply(decoder);
            EditedModelWriter.write(decoder, out);
            spec.commandLine().getOut().printf("Applied %d changed weights in %d matrices; wrote %s%n",
                    change.changedWeightCount(), change.changedParameters().size(), out);
        }
        LOG.info("apply-delta finished in {} ms", (System.nanoTime() - started) / 1_000_000);
        return 0;
    }

    /**
     * Compares the fingerprint of {@code --model} with the one the delta file records, before the
     * model is loaded. A mismatch is an error unless {@code --allow-other-base} is given, and a file
     * without a recorded base model gets a warning.
     */
    private void checkBaseModel() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        Optional<DeltaFile.BaseModel> base = DeltaFile.baseModel(delta);
        if (base.isEmpty()) {
            LOG.warn("Delta file {} records no base model, so it is not checked against {}", delta, model);
            err.println("Warning: " + delta + " does not record the model it was made from (it was written by an "
                    + "older version), so it cannot be checked against " + model + ".");
            return;
        }
        ModelFingerprint expected = base.get().fingerprint();
        ModelFingerprint actual = ModelFingerprint.of(model);
        if (actual.equals(expected)) {
            LOG.info("{} has the fingerprint of the model that delta file {} was made from ('{}')", model, delta,
                    base.get().name());
            return;
        }
        String mismatch = "Delta file " + delta + " was made from the model '" + base.get().name() + "' (fingerprint "
                + shortValue(expected) + "), but " + model + " has fingerprint " + shortValue(actual)
                + ": its config.json or weight files differ";
        if (allowOtherBase) {
            LOG.warn("{}; applying anyway (--allow-other-base)", mismatch);
            err.println("Warning: " + mismatch + ". Applying anyway, as --allow-other-base asks.");
            return;
        }
        throw new IllegalArgumentException(mismatch + ". Apply the delta to the model it was written from, or add "
                + "--allow-other-base when " + model + " holds the same weights in another form (converted or "
                + "re-sharded).");
    }

    /** Returns the first 12 hex digits of a fingerprint, enough to tell two apart in a message. */
    private static String shortValue(ModelFingerprint fingerprint) {
        String value = fingerprint.value();
        return value.length() > 12 ? value.substring(0, 12) : value;
    }
}
