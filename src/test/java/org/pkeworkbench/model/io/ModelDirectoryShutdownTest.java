package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Ctrl-C's SIGINT also does to a JVM: run the shutdown hooks and exit) in the middle
 * of a model directory write leaves neither the output nor its hidden staging directory.
 */
class ModelDirectoryShutdownTest {

    @TempDir
    Path dir;

    @Test
    @EnabledOnOs(OS.LINUX)
    void sigtermDuringWriteLeavesNothing() throws Exception {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.writeString(source.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Path output = dir.resolve("edited");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                SlowModelWrite.class.getName(), source.toString(), output.toString())
                .redirectErrorStream(true).start();

        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.equals("writing"));
            assertEquals("writing", line, "the write started");
            assertEquals(1, stagingDirectories().size(), "the staging directory exists while writing");

            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the JVM stopped");
        }

        assertEquals(List.of("source"), names(), "neither the output nor a staging directory is left");
    }

    private List<Path> stagingDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(path -> path.getFileName().toString().startsWith(".edited.tmp-")).toList();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
