package org.pkeworkbench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for path options: inputs that must exist before a command starts, and
 * outputs that must at least not be empty. A wrong path then fails while the command line is
 * parsed, with the option's name and exit code 2, before any model loads.
 *
 * <p>Example: with {@code @Option(names = "--model", converter = PathOptions.ModelFolder.class)},
 * {@code --model /no/such/folder} prints "Invalid value for option '--model': /no/such/folder does
 * not exist; ...".
 *
 * <p>Only the folder's or file's existence and kind are checked here. A model folder without
 * {@code config.json}, or a file that cannot be parsed, is found by the loader while working.
 */
final class PathOptions {

    private PathOptions() {}

    /** Rejects an empty value, which would otherwise mean the current folder, naming the {@code kind} expected. */
    private static String requireText(String value, String kind) {
        if (value.isBlank()) {
            throw new TypeConversionException("the path is empty; give a " + kind);
        }
        return value;
    }

    /** A Hugging Face model folder: it must exist and be a folder. */
    static final class ModelFolder implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path folder = Path.of(requireText(value, "folder"));
            if (!Files.exists(folder)) {
                throw new TypeConversionException(value + " does not exist; point it at a Hugging Face model folder, "
                        + "the one that contains config.json");
            }
            if (!Files.isDirectory(folder)) {
                throw new TypeConversionException(value + " is a file; point it at the model's folder, the one that "
                        + "contains config.json");
            }
            return folder;
        }
    }

    /** An input file: it must exist and not be a folder. */
    static final class ExistingFile implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path file = Path.of(requireText(value, "file"));
            if (!Files.exists(file)) {
                throw new TypeConversionException(value + " does not exist; check the path");
            }
            if (Files.isDirectory(file)) {
                throw new TypeConversionException(value + " is a folder; give a file");
            }
            return file;
        }
    }

    /** An output file or folder, whichever its option expects: any path but an empty one (the current folder). */
    static final class OutputPath implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return Path.of(requireText(value, "name for the output"));
        }
    }
}
