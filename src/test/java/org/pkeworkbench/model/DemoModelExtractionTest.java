package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jar run away from the repository copies the demo model out of itself once, into a cache
 * folder named by the content, instead of into a new temporary folder on every run.
 */
class DemoModelExtractionTest {

    @TempDir
    Path temp;

    @AfterEach
    void clearCacheProperty() {
        System.clearProperty("pke.assets.cache");
    }

    @Test
    void secondExtractionReusesTheFirst() throws IOException {
        Path cache = temp.resolve("cache");
        System.setProperty("pke.assets.cache", cache.toString());

        Path first = DemoModel.extract("models/demo", DemoModel.MODEL_FILES);
        FileTime written = Files.getLastModifiedTime(first.resolve("model.safetensors"));
        Path second = DemoModel.extract("models/demo", DemoModel.MODEL_FILES);

        assertEquals(first, second, "the same folder both times");
        assertTrue(first.startsWith(cache), first + " lies in the cache");
        assertEquals(written, Files.getLastModifiedTime(second.resolve("model.safetensors")), "not written again");
        Path shipped = Path.of("resources", "models", "demo");
        for (String name : DemoModel.MODEL_FILES) {
            assertArrayEquals(Files.readAllBytes(shipped.resolve(name)), Files.readAllBytes(first.resolve(name)), name);
        }
        assertEquals(List.of(), leftovers(cache), "no staging folder is left");
    }

    @Test
    void unwritableCacheFallsBackToTemporaryFolder() throws IOException {
        // A file where the cache folder should be, so that no folder can be made there.
        Path blocked = Files.writeString(temp.resolve("not-a-folder"), "x");
        System.setProperty("pke.assets.cache", blocked.resolve("cache").toString());

        Path extracted = DemoModel.extract("datasets/demo-eval.jsonl", null);

        assertTrue(!extracted.startsWith(blocked), extracted.toString());
        assertArrayEquals(Files.readAllBytes(Path.of("resources", "datasets", "demo-eval.jsonl")),
                Files.readAllBytes(extracted));
    }

    private static List<Path> leftovers(Path cache) throws IOException {
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(path -> path.getFileName().toString().startsWith(".extracting-")).toList();
        }
    }
}
