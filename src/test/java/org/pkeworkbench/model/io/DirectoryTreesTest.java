package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    @Test
    void concurrentDeletionsBothSucceed() throws Exception {
        // Two shutdown hooks may delete nested guarded folders at once. Neither may fail on what the other removed.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                Path tree = temp.resolve("tree-" + round);
                for (int folder = 0; folder < 30; folder++) {
                    Path nested = Files.createDirectories(tree.resolve("f" + folder).resolve("inner"));
                    for (int file = 0; file < 10; file++) {
                        Files.writeString(nested.resolve(file + ".txt"), "x");
                    }
                }
                CountDownLatch start = new CountDownLatch(1);
                Callable<Void> delete = () -> {
                    start.await();
                    DirectoryTrees.delete(tree);
                    return null;
                };
                Future<Void> first = threads.submit(delete);
                Future<Void> second = threads.submit(delete);
                start.countDown();

                first.get(30, TimeUnit.SECONDS);
                second.get(30, TimeUnit.SECONDS);
                assertFalse(Files.exists(tree));
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
