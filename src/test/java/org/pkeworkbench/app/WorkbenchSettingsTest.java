package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings directory and the recent sessions list stored in it. */
class WorkbenchSettingsTest {

    @Test
    void testsUseBuildDirectory() {
        Path directory = WorkbenchSettings.fromSystemProperties().directory();

        assertTrue(directory.endsWith("test-settings"), "surefire sets pke.settings.dir: " + directory);
    }

    @Test
    void writtenValueReadsBack(@TempDir Path temp) throws IOException {
        WorkbenchSettings settings = new WorkbenchSettings(temp.resolve("settings"));

        settings.write("theme", Map.of("name", "dark"));

        assertEquals(Optional.of(Map.of("name", "dark")), settings.read("theme", Map.class));
        assertEquals(List.of(temp.resolve("settings/theme.json")), list(temp.resolve("settings")));
    }

    @Test
    void damagedFileReadsEmpty(@TempDir Path temp) throws IOException {
        WorkbenchSettings settings = new WorkbenchSettings(temp);
        Files.writeString(settings.file("theme"), "{broken");

        assertEquals(Optional.empty(), settings.read("theme", Map.class));
    }

    @Test
    void concernNameChecked(@TempDir Path temp) {
        WorkbenchSettings settings = new WorkbenchSettings(temp);

        assertThrows(IllegalArgumentException.class, () -> settings.file("../escape"));
    }

    @Test
    void recentSessionsKeepNewestTen(@TempDir Path temp) {
        RecentSessions recent = new RecentSessions(new WorkbenchSettings(temp));
        List<Path> added = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Path project = temp.resolve("s" + i + ".pkeproj");
            added.add(project);
            recent.add(project);
        }

        List<Path> listed = recent.list();

        assertEquals(RecentSessions.MAX_ENTRIES, listed.size());
        assertEquals(added.get(11), listed.get(0));
        assertEquals(added.get(2), listed.get(9));
    }

    @Test
    void recentSessionsMoveReopenedFirst(@TempDir Path temp) {
        RecentSessions recent = new RecentSessions(new WorkbenchSettings(temp));
        Path first = temp.resolve("first.pkeproj");
        Path second = temp.resolve("second.pkeproj");
        recent.add(first);
        recent.add(second);

        recent.add(first);

        assertEquals(List.of(first, second), recent.list());
        assertEquals(List.of(second), recent.remove(first));
    }

    private static List<Path> list(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.sorted().toList();
        }
    }
}
