package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.pkeworkbench.model.io.TemporaryFileWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes command output files: through a temporary sibling renamed into place, never half-written. */
final class JsonOutput {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Logger LOG = LoggerFactory.getLogger(JsonOutput.class);

    private JsonOutput() {}

    /**
     * Checks before any work that {@code out} may become a new model directory: it must not exist
     * (an empty directory is accepted), its folder must be writable, and it must not lie inside the
     * model directory.
     *
     * @throws PathOptionException naming {@code option} and the path otherwise
     */
    static void checkNewModelDirectory(String option, Path out, Path modelDir) throws IOException {
        boolean taken;
        if (!Files.exists(out)) {
            taken = false;
        } else if (!Files.isDirectory(out)) {
            taken = true;
        } else {
            try (var entries = Files.list(out)) {
                taken = entries.findAny().isPresent();
            }
        }
        if (taken) {
            throw new PathOptionException(option + " " + out + (Files.isDirectory(out) ? " is a directory that is not "
                    + "empty" : " is a file") + "; choose a new or empty directory");
        }
        // The directory is written under a temporary name beside it, so its parent must be writable.
        Path parent = out.toAbsolutePath().normalize().getParent();
        try {
            checkFolders(out, parent);
        } catch (PathOptionException e) {
            throw new PathOptionException(option + " " + out + " " + e.problem());
        }
        try {
            org.pkeworkbench.model.io.ModelDirectoryWriter.checkOutputDirectory(modelDir, out);
        } catch (IllegalArgumentException e) {
            throw new PathOptionException(option + " " + out + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * Checks before any work that an output file may be written: it must not lie inside the model
     * directory, which is never written, no existing part of its folder path may be a file, and it
     * must not exist unless {@code overwrite}. Missing folders are created when the file is
     * written. A null {@code modelDir} skips the model directory check.
     *
     * @throws PathOptionException naming the file when it cannot be written
     */
    static void checkOutputFile(Path file, Path modelDir, boolean overwrite) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        checkFolders(file, target.getParent());
        if (modelDir != null && Files.isDirectory(modelDir)) {
            Path model = modelDir.toRealPath();
            Path parent = target.getParent();
            Path resolvedParent = parent != null && Files.exists(parent) ? parent.toRealPath() : parent;
            if (resolvedParent != null && resolvedParent.startsWith(model)) {
                throw new PathOptionException(file, "is inside the model directory " + modelDir
                        + ", which is never written; choose a file outside it");
            }
        }
        if (Files.isDirectory(target)) {
            throw new PathOptionException(file, "is a directory; give a file name");
        }
        if (Files.exists(target) && !overwrite) {
            throw new PathOptionException(file, "already exists; choose a new name or pass --overwrite");
        }
    }

    /**
     * Rejects a folder path whose nearest existing part is a file, where no folder can be created,
     * or a folder that this user cannot write to; {@code file} is the output that would be
     * written under {@code folder}. Checked before any work, so a long run does not end in a
     * write error.
     */
    static void checkFolders(Path file, Path folder) {
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new PathOptionException(file, "cannot be written: " + existing
                    + " is a file, not a folder; choose another path");
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw new PathOptionException(file, "cannot be written: the folder " + existing
                    + " is not writable for this user; choose another path");
        }
    }

    /**
     * Runs {@link #checkOutputFile} on each of {@code files} that is given (not null), and rejects
     * one file given for two of them.
     */
    static void checkOutputFiles(Path modelDir, boolean overwrite, Path... files) throws IOException {
        for (Path file : files) {
            if (file != null) {
                checkOutputFile(file, modelDir, overwrite);
            }
        }
        checkDistinct(List.of(), Arrays.asList(files));
    }

    /**
     * Rejects a path given for two outputs, where the second write would replace the first, or
     * for an input and an output, where the output would replace the file it is made from. Paths
     * are compared after resolving links and {@code ..}. Null entries are skipped.
     *
     * @throws PathOptionException naming the path
     */
    static void checkDistinct(List<Path> inputs, List<Path> outputs) throws IOException {
        Set<Path> inputKeys = new HashSet<>();
        for (Path input : inputs) {
            if (input != null) {
                inputKeys.add(identity(input));
            }
        }
        Set<Path> outputKeys = new HashSet<>();
        for (Path output : outputs) {
            if (output == null) {
                continue;
            }
            Path key = identity(output);
            if (inputKeys.contains(key)) {
                throw new PathOptionException(output, "is given both as an input and as an output, which would "
                        + "replace the input; give the output another name");
            }
            if (!outputKeys.add(key)) {
                throw new PathOptionException(output, "is given for two outputs, so one would replace the other; "
                        + "give each output its own name");
            }
        }
    }

    /**
     * Rejects {@code files} that lie inside {@code folder}, a model folder that the command is about
     * to write, where they would replace or sit among the model's own files. Null entries are skipped.
     *
     * @throws PathOptionException naming the file and {@code folderOption}
     */
    static void checkOutsideFolder(String folderOption, Path folder, Path... files) throws IOException {
        Path folderKey = identity(folder);
        for (Path file : files) {
            if (file != null && identity(file).startsWith(folderKey)) {
                throw new PathOptionException(file, "is inside " + folderOption + " " + folder + ", the model folder "
                        + "that this command writes; write it outside that folder");
            }
        }
    }

    /** Returns the path as the file system resolves it: links and {@code ..} of its existing part followed. */
    private static Path identity(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            return absolute.toRealPath();
        }
        Path parent = absolute.getParent();
        return parent != null && Files.exists(parent) ? parent.toRealPath().resolve(absolute.getFileName()) : absolute;
    }

    interface JsonBody {
        void writeTo(JsonGenerator json) throws IOException;
    }

    interface CsvBody {
        void writeTo(PrintWriter writer) throws IOException;
    }

    /** Writes {@code file} with a streaming JSON generator, atomically. */
    static void writeJson(Path file, JsonBody body) throws IOException {
        writeAtomically(file, stream -> {
            try (JsonGenerator json = MAPPER.getFactory().createGenerator(stream)) {
                body.writeTo(json);
            }
        });
    }

    /** Writes {@code file} as UTF-8 text, atomically. */
    static void writeCsv(Path file, CsvBody body) throws IOException {
        writeAtomically(file, stream -> {
            PrintWriter writer = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            body.writeTo(writer);
            writer.flush();
        });
    }

    /** Writes {@code value} as indented JSON to {@code file}. */
    static void write(Path file, Object value) throws IOException {
        writeAtomically(file, out -> MAPPER.writeValue(out, value));
    }

    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    static void writeAtomically(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        if (parent != null) {
            try {
                Files.createDirectories(parent);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("Cannot write " + target + ": " + e.getFile() + " is a file, not a folder; "
                        + "choose another path", e);
            }
        }
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
        TemporaryFileWrite.replace(target, temporary, (written, guard) -> {
            try (OutputStream out = Files.newOutputStream(written)) {
                body.writeTo(out);
            }
        });
        LOG.info("Wrote {} ({} bytes)", target, Files.size(target));
    }

    /** Writes an array as nested JSON lists following its shape (a scalar as a number). */
    static void writeNested(JsonGenerator json, NDArray array) throws IOException {
        float[] values = array.toFloatArray();
        long[] shape = array.getShape().getShape();
        writeLevel(json, values, shape, 0, 0);
    }

    private static int writeLevel(JsonGenerator json, float[] values, long[] shape, int axis, int offset)
            throws IOException {
        if (axis == shape.length) {
            json.writeNumber(values[offset]);
            return offset + 1;
        }
        json.writeStartArray();
        for (long i = 0; i < shape[axis]; i++) {
            offset = writeLevel(json, values, shape, axis + 1, offset);
        }
        json.writeEndArray();
        return offset;
    }
}
