package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.ModelDirectoryWriter;
import org.pkeworkbench.model.io.StoredDType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Saves a model's current weights (an applied edit included) as a new Hugging Face directory. */
public final class EditedModelWriter {

    private static final Logger LOG = LoggerFactory.getLogger(EditedModelWriter.class);

    private EditedModelWriter() {}

    /**
     * Writes every parameter under its original tensor name, with the source directory's config and
     * tokenizer files, to {@code outputDir}, which must not exist yet or be empty, and must not lie
     * inside the source directory.
     */
    public static void write(DecoderModel model, Path outputDir) throws IOException {
        write(model, outputDir, ProgressListener.NONE);
    }

    /**
     * Writes like {@link #write(DecoderModel, Path)}, reporting progress; a cancel stops the write
     * and leaves nothing at {@code outputDir}.
     */
    public static void write(DecoderModel model, Path outputDir, ProgressListener progress) throws IOException {
        long started = System.nanoTime();
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (String name : model.parameterNames()) {
            tensors.put(model.storedName(name), model.parameter(name));
        }
        ModelDirectoryWriter.write(model.directory(), tensors, Map.of(), StoredDType.F32, outputDir, progress);
        LOG.info("Wrote edited model ({} tensors) to {} in {} ms", tensors.size(), outputDir,
                (System.nanoTime() - started) / 1_000_000);
    }
}
