package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DirectoryTrees} on real folders. */
class DirectoryTreesTest {

    @TempDir
    Path temp;

    @Test
    void deleteRemovesNestedTree() throws IOException {
        Path tree = temp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/file.txt"), "x");
        Files.writeString(tree.resolve("top.txt"), "y");

        DirectoryTrees.delete(tree);

        assertFalse(Files.exists(tree));
        assertTrue(Files.isDirectory(temp), "the parent stays");
    }

    @Test
    void missingDirectoryIsNotAnError() throws IOException {
        DirectoryTrees.delete(temp.resolve("missing"));

        assertTrue(DirectoryTrees.deleteOrWarn(temp.resolve("missing"), "test folder"));
    }
}
