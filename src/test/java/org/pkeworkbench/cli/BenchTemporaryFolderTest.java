package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** {@link BenchTemporaryFolder} with real processes: this JVM and one that has ended. */
class BenchTemporaryFolderTest {

    @TempDir
    Path temp;

    @Test
    void createRecordsThisProcess() throws IOException {
        Path folder = BenchTemporaryFolder.create(temp);

        assertTrue(folder.getFileName().toString().startsWith(BenchTemporaryFolder.PREFIX));
        assertEquals(Long.toString(ProcessHandle.current().pid()),
                Files.readString(folder.resolve(BenchTemporaryFolder.OWNER_FILE)));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void onlyFoldersOfEndedOwnersAreDeleted() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path abandoned = folder("pke-bench-abandoned", Long.toString(ended.pid()));
        Files.writeString(Files.createDirectories(abandoned.resolve("random-llama")).resolve("model.safetensors"), "x");
        Path running = BenchTemporaryFolder.create(temp);
        Path withoutOwner = Files.createDirectories(temp.resolve("pke-bench-no-owner"));
        Path unreadableOwner = folder("pke-bench-garbled", "not a pid");
        Path otherName = folder("other-folder", Long.toString(ended.pid()));

        int deleted = BenchTemporaryFolder.deleteAbandoned(temp);

        assertEquals(1, deleted);
        assertFalse(Files.exists(abandoned));
        assertTrue(Files.isDirectory(running), "the owner is this JVM");
        assertTrue(Files.isDirectory(withoutOwner));
        assertTrue(Files.isDirectory(unreadableOwner));
        assertTrue(Files.isDirectory(otherName), "only folders named like bench's are looked at");
    }

    private Path folder(String name, String owner) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        Files.writeString(folder.resolve(BenchTemporaryFolder.OWNER_FILE), owner);
        return folder;
    }
}
