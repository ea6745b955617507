package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes a session project: a directory, by convention named {@code NAME.pkeproj}, with
 * <pre>
 * session.json                  the {@link SessionFile}
 * locate.json                   the locate result, when one was shown
 * deltas/edit-001.safetensors   one pke-delta file per edit of the history, applied and undone
 * reports/edit-001.json         the edit's report, when it has one
 * </pre>
 * A save builds the whole project in a temporary sibling directory and renames it into place, so
 * a failed or cancelled save leaves the previous project as it was.
 */
public final class SessionStore {

    /** The project directory's name ending. */
    public static final String EXTENSION = ".pkeproj";
    public static final String SESSION_JSON = "session.json";
    public static final String LOCATE_JSON = "locate.json";

    private static final Logger LOG = LoggerFactory.getLogger(SessionStore.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // A newer build of the same format version may add keys; they are skipped.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SessionStore() {}

    /** Writes one extra file of a project, such as a delta or a report, to {@code target}. */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path target) throws IOException;
    }

    /**
     * Returns the project directory a user's choice means: the parent of a chosen {@code session.json},
     * the chosen path itself when it ends in {@link #EXTENSION}, else the path with that ending added.
     */
    public static Path projectDirectory(Path chosen) {
        Path absolute = chosen.toAbsolutePath().normalize();
        if (absolute.getFileName() != null && absolute.getFileName().toString().equals(SESSION_JSON)) {
            return absolute.getParent();
        }
        if (absolute.getFileName() != null && absolute.getFileName().toString().endsWith(EXTENSION)) {
            return absolute;
        }
        return absolute.resolveSibling(absolute.getFileName() + EXTENSION);
    }

    /**
     * Reads {@code project}'s {@code session.json}.
     *
     * @throws SessionFormatException when the project is missing, is not a session, is damaged, or
     *     was written by a newer version of the workbench
     */
    public static SessionFile read(Path project) throws IOException {
        Path file = project.resolve(SESSION_JSON);
        if (!Files.isDirectory(project)) {
            throw new SessionFormatException(project, "no session project directory exists there",
                    "Choose a " + EXTENSION + " directory saved by the workbench");
        }
        if (!Files.isRegularFile(file)) {
            throw new SessionFormatException(project, "this directory has no " + SESSION_JSON
                    + ", so it is not a workbench session", "Choose a " + EXTENSION + " directory saved by the workbench");
        }

        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new SessionFormatException(file, "not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr(), "The file is damaged; open an older copy or save the session again", e);
        }
        if (root == null || !root.isObject()) {
            throw new SessionFormatException(file, "not a JSON object", "The file is damaged; save the session again");
        }
        checkFormat(file, root);

        SessionFile session;
        try {
            session = JSON.treeToValue(root, SessionFile.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SessionFormatException(file, "invalid session entry: " + rootCause(e),
                    "The file is damaged; open an older copy or save the session again", e);
        }
        checkReferencedFiles(project, session);
        return session;
    }

    private static void checkFormat(Path file, JsonNode root) throws SessionFormatException {
        String format = root.path("format").asText(null);
        if (!SessionFile.FORMAT.equals(format)) {
            throw new SessionFormatException(file, "\"format\" is " + (format == null ? "missing" : "\"" + format + "\"")
                    + ", not \"" + SessionFile.FORMAT + "\", so this is not a workbench session",
                    "Choose a " + EXTENSION + " directory saved by the workbench");
        }
        JsonNode version = root.path("format_version");
        if (!version.isInt() || version.asInt() < 1) {
            throw new SessionFormatException(file, "\"format_version\" is " + version + ", not a positive integer",
                    "The file is damaged; save the session again");
        }
        if (version.asInt() > SessionFile.FORMAT_VERSION) {
            throw new SessionFormatException(file, "the session has format version " + version.asInt()
                    + ", written by a newer PKE Workbench; this build reads versions up to " + SessionFile.FORMAT_VERSION,
                    "Open it with a newer PKE Workbench");
        }
        if (!root.path("model").isObject() || !root.path("model").path("path").isTextual()) {
            throw new SessionFormatException(file, "the \"model\" entry or its \"path\" is missing",
                    "The file is damaged; save the session again");
        }
    }

    /** Checks before any model is loaded that every file the session names is there. */
    private static void checkReferencedFiles(Path project, SessionFile session) throws SessionFormatException {
        if (session.locateFile() != null) {
            requireFile(project, session.locateFile(), "locate result");
        }
        for (SessionFile.HistoryEntry entry : concat(session)) {
            if (entry.name() == null || entry.delta() == null) {
                throw new SessionFormatException(project.resolve(SESSION_JSON), "a history entry has no name or no "
                        + "delta file", "The file is damaged; save the session again");
            }
            requireFile(project, entry.delta(), "delta of edit '" + entry.name() + "'");
            if (entry.report() != null) {
                requireFile(project, entry.report(), "report of edit '" + entry.name() + "'");
            }
        }
    }

    private static Iterable<SessionFile.HistoryEntry> concat(SessionFile session) {
        return Stream.concat(session.applied().stream(), session.undone().stream())::iterator;
    }

    private static void requireFile(Path project, String relative, String description) throws SessionFormatException {
        Path file = resolveInside(project, relative);
        if (!Files.isRegularFile(file)) {
            throw new SessionFormatException(file, "the " + description + " named in " + SESSION_JSON + " is missing",
                    "Copy the whole " + EXTENSION + " directory, not only " + SESSION_JSON);
        }
    }

    /** Resolves a path stored in the session, rejecting one that leaves the project directory. */
    public static Path resolveInside(Path project, String relative) throws SessionFormatException {
        Path resolved = project.resolve(relative).normalize();
        if (Path.of(relative).isAbsolute() || !resolved.startsWith(project.normalize())) {
            throw new SessionFormatException(project.resolve(SESSION_JSON), "the file \"" + relative
                    + "\" is outside the project directory", "The file is damaged; save the session again");
        }
        return resolved;
    }

    /** Reads the session's locate result, or returns null when it has none. */
    public static LocateResult readLocate(Path project, SessionFile session) throws IOException {
        if (session.locateFile() == null) {
            return null;
        }
        Path file = resolveInside(project, session.locateFile());
        try {
            return JSON.readValue(file.toFile(), LocateResult.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SessionFormatException(file, "invalid locate result: " + rootCause(e),
                    "The file is damaged; run Locate again and save the session", e);
        }
    }

    /** Reads an edit report written by {@link EditReport#writeJson}. */
    public static EditReport readReport(Path project, String relative) throws IOException {
        Path file = resolveInside(project, relative);
        try {
            return JSON.readValue(file.toFile(), EditReport.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SessionFormatException(file, "invalid edit report: " + rootCause(e),
                    "The file is damaged; open an older copy of the session", e);
        }
    }

    /**
     * Writes a project to {@code project}: {@code extraFiles} (path relative to the project to its
     * writer), {@code locate.json} when {@code locate} is not null, and {@code session.json} last,
     * all into a temporary sibling directory that then replaces {@code project}.
     *
     * @throws IllegalArgumentException when {@code project} exists and is not a session project
     * @throws CancellationException when {@code progress} reports a cancel; {@code project} is then unchanged
     */
    public static void write(Path project, SessionFile session, LocateResult locate, Map<String, FileWriter> extraFiles,
            ProgressListener progress) throws IOException {
        long started = System.nanoTime();
        Path target = project.toAbsolutePath().normalize();
        checkReplaceable(target);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempDirectory(parent, target.getFileName() + ".saving-");
        try {
            int index = 0;
            for (Map.Entry<String, FileWriter> entry : extraFiles.entrySet()) {
                progress.checkCancelled();
                progress.update((double) index++ / (extraFiles.size() + 2), "Writing " + entry.getKey());
                Path file = resolveInside(temporary, entry.getKey());
                Files.createDirectories(file.getParent());
                entry.getValue().write(file);
            }
            progress.checkCancelled();
            if (locate != null) {
                progress.update((double) index / (extraFiles.size() + 2), "Writing " + LOCATE_JSON);
                JSON.writeValue(temporary.resolve(LOCATE_JSON).toFile(), locate);
            }
            JSON.writeValue(temporary.resolve(SESSION_JSON).toFile(), session);
            progress.checkCancelled();
            replace(target, temporary);
        } finally {
            DirectoryTrees.deleteOrWarn(temporary, "temporary session folder");
        }
        LOG.info("Saved session {} ({} extra files) in {} ms", target, extraFiles.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Writes {@code report} as the JSON that {@link #readReport} reads. */
    public static void writeReport(EditReport report, Path target) throws IOException {
        try (OutputStream out = Files.newOutputStream(target)) {
            report.writeJson(out);
        }
    }

    /** Returns the hex SHA-256 of {@code file}'s bytes. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Rejects overwriting anything but an earlier session or an empty directory. */
    private static void checkReplaceable(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new IllegalArgumentException(target + " is a file, not a session project directory; choose "
                    + "another name");
        }
        boolean empty;
        try (Stream<Path> entries = Files.list(target)) {
            empty = entries.findAny().isEmpty();
        }
        if (!empty && !Files.isRegularFile(target.resolve(SESSION_JSON))) {
            throw new IllegalArgumentException(target + " is a directory with other files and no " + SESSION_JSON
                    + ", so saving there would replace files that are not a session; choose a new name");
        }
    }

    /**
     * Moves {@code temporary} to {@code target}. An existing {@code target} is first renamed aside
     * and deleted only after the new project is in place, so one complete project always exists.
     */
    private static void replace(Path target, Path temporary) throws IOException {
        if (!Files.exists(target)) {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path previous = Files.createTempDirectory(target.getParent(), target.getFileName() + ".previous-");
        Files.delete(previous);
        Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException error) {
            Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
            throw error;
        }
        DirectoryTrees.deleteOrWarn(previous, "previous session folder");
    }

    private static String rootCause(Exception error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof JsonProcessingException json) {
            return json.getOriginalMessage();
        }
        return cause.getMessage();
    }
}
