package org.pkeworkbench.app;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench's settings directory: one small JSON file per concern (recent sessions, and later
 * the theme or the window layout), so that a damaged file affects only its own concern.
 *
 * <p>The directory is the system property {@code pke.settings.dir} when set, else
 * {@code $HOME/.pke-workbench}. It is created on the first write. Each write goes to a temporary
 * file in the directory that is then renamed over the old file.
 */
public final class WorkbenchSettings {

    /** System property that moves the settings directory, for example in tests. */
    public static final String DIRECTORY_PROPERTY = "pke.settings.dir";

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchSettings.class);
    private static final Pattern CONCERN_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path directory;

    public WorkbenchSettings(Path directory) {
        this.directory = directory;
    }

    /** Returns the settings in {@code pke.settings.dir}, else in {@code .pke-workbench} under the user's home. */
    public static WorkbenchSettings fromSystemProperties() {
        String property = System.getProperty(DIRECTORY_PROPERTY);
        if (property != null && !property.isBlank()) {
            return new WorkbenchSettings(Path.of(property));
        }
        return new WorkbenchSettings(Path.of(System.getProperty("user.home"), ".pke-workbench"));
    }

    public Path directory() {
        return directory;
    }

    /** Returns the file of {@code concern}, for example {@code recent-sessions.json}. */
    public Path file(String concern) {
        if (!CONCERN_NAME.matcher(concern).matches()) {
            throw new IllegalArgumentException("Settings name '" + concern + "' must be lower-case letters, digits "
                    + "and hyphens");
        }
        return directory.resolve(concern + ".json");
    }

    /**
     * Reads the settings of {@code concern} as {@code type}. A missing file gives an empty result.
     * An unreadable or invalid file is logged and also gives an empty result, so that damaged
     * settings fall back to defaults and never stop the workbench from starting.
     */
    public <T> Optional<T> read(String concern, JavaType type) {
        Path file = file(concern);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(file.toFile(), type));
        } catch (IOException | RuntimeException error) {
            LOG.warn("Settings file {} is unreadable or invalid; using defaults", file, error);
            return Optional.empty();
        }
    }

    /** Reads the settings of {@code concern} as {@code type}; see {@link #read(String, JavaType)}. */
    public <T> Optional<T> read(String concern, Class<T> type) {
        return read(concern, JSON.constructType(type));
    }

    /** Writes {@code value} as the settings of {@code concern}: to a temporary file, then renamed into place. */
    public void write(String concern, Object value) throws IOException {
        Path file = file(concern);
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, concern + "-", ".tmp");
        try {
            JSON.writeValue(temporary.toFile(), value);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Returns the mapper that reads the settings files, for building {@link JavaType}s of generic values. */
    static ObjectMapper json() {
        return JSON;
    }
}
