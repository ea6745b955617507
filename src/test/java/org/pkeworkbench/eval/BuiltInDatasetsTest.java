package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInDatasetsTest {

    @Test
    void benignDefaultFromAssetsDir() throws IOException {
        assertNotNull(System.getProperty(BuiltInDatasets.ASSETS_DIR_PROPERTY), "surefire sets pke.assets.dir");

        List<EditRecord> records = BuiltInDatasets.benignDefault();

        assertEquals(120, records.size());
        Set<String> ids = new HashSet<>();
        Set<String> prompts = new HashSet<>();
        RefusalDetector detector = RefusalDetector.gcgDefault();
        for (EditRecord record : records) {
            assertTrue(ids.add(record.id()), "duplicate id " + record.id());
            assertTrue(prompts.add(record.prompt()), "duplicate prompt " + record.prompt());
            assertTrue(record.prompt().length() < 200, record.prompt());
            assertTrue(Set.of("story", "fact", "arithmetic", "advice").contains(record.category()), record.category());
            assertTrue(!detector.isRefusal(record.prompt()), "prompt contains a refusal string: " + record.prompt());
            assertEquals(null, record.safe());
        }
    }

    @Test
    void benignDefaultFromClasspath() throws IOException {
        List<EditRecord> fromJar = BuiltInDatasets.load(BuiltInDatasets.BENIGN_DEFAULT, null);
        List<EditRecord> fromDir = BuiltInDatasets.benignDefault();

        assertEquals(fromDir, fromJar);
    }

    @Test
    void missingAssetsDirNamed(@TempDir Path empty) {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> BuiltInDatasets.load(BuiltInDatasets.BENIGN_DEFAULT, empty.toString()));

        assertTrue(e.getMessage().contains(BuiltInDatasets.ASSETS_DIR_PROPERTY), e.getMessage());
    }
}
