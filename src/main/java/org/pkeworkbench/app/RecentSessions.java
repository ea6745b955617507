package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions saved or opened last, newest first, at most {@link #MAX_ENTRIES}, kept in the
 * settings file {@code recent-sessions.json} as a JSON array of absolute paths.
 *
 * <p>Not thread-safe: the workbench uses it on the JavaFX thread only.
 */
public final class RecentSessions {

    public static final int MAX_ENTRIES = 10;

    static final String CONCERN = "recent-sessions";

    private static final Logger LOG = LoggerFactory.getLogger(RecentSessions.class);

    private final WorkbenchSettings settings;

    public RecentSessions(WorkbenchSettings settings) {
        this.settings = settings;
    }

    /** Returns the recent sessions, newest first. */
    public List<Path> list() {
        List<String> stored = settings.<List<String>>read(CONCERN,
                WorkbenchSettings.json().getTypeFactory().constructCollectionType(List.class, String.class))
                .orElse(List.of());
        List<Path> paths = new ArrayList<>();
        for (String entry : stored) {
            if (entry != null && !entry.isBlank()) {
                paths.add(Path.of(entry));
            }
        }
        return paths;
    }

    /** Puts {@code project} first, removes an older entry of it and drops entries beyond {@link #MAX_ENTRIES}. */
    public List<Path> add(Path project) {
        Path normalized = project.toAbsolutePath().normalize();
        List<Path> next = new ArrayList<>();
        next.add(normalized);
        for (Path old : list()) {
            if (!old.equals(normalized) && next.size() < MAX_ENTRIES) {
                next.add(old);
            }
        }
        store(next);
        return next;
    }

    /** Removes {@code project}, for example after opening it failed because it no longer exists. */
    public List<Path> remove(Path project) {
        Path normalized = project.toAbsolutePath().normalize();
        List<Path> next = new ArrayList<>(list());
        next.remove(normalized);
        store(next);
        return next;
    }

    private void store(List<Path> paths) {
        try {
            settings.write(CONCERN, paths.stream().map(Path::toString).toList());
        } catch (IOException error) {
            // The list is a convenience: failing to store it must not fail the save or open that triggered it.
            LOG.error("Could not write the recent sessions to {}", settings.file(CONCERN), error);
        }
    }
}
