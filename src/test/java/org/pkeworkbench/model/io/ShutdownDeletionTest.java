package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.ProgressListener;

/** The deletion on shutdown waits for a write in progress and lets no new write start. */
class ShutdownDeletionTest {

    @TempDir
    Path temp;

    @Test
    void deletionAwaitsRunningWrite() throws Exception {
        Path dir = Files.createDirectories(temp.resolve(".model.staging"));
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        try (ShutdownDeletion guard = ShutdownDeletion.of(dir)) {
            Thread writer = new Thread(() -> {
                try {
                    guard.write(() -> {
                        writing.countDown();
                        await(finish);
                        Files.writeString(dir.resolve("shard.safetensors"), "weights");
                    });
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            assertTrue(writing.await(10, TimeUnit.SECONDS), "write started");

            Thread hook = new Thread(guard::deleteOnShutdown);
            hook.start();
            hook.join(300);
            assertTrue(hook.isAlive(), "the deletion waits for the write in progress");
            finish.countDown();
            hook.join(10_000);
            writer.join(10_000);

            assertFalse(Files.exists(dir), "the file written last is deleted with the folder");
            assertThrows(CancellationException.class, () -> guard.write(() -> Files.createDirectories(dir)));
            assertFalse(Files.exists(dir), "no write after the shutdown began");
        }
    }

    @Test
    void listenerCancelledOnceShutdownBegins() throws Exception {
        Path dir = Files.createDirectories(temp.resolve(".out.tmp"));
        try (ShutdownDeletion guard = ShutdownDeletion.of(dir)) {
            ProgressListener listener = guard.stopOnShutdown(ProgressListener.NONE);
            assertFalse(listener.isCancelled(), "not cancelled before the shutdown");

            guard.deleteOnShutdown();

            assertTrue(listener.isCancelled(), "cancelled once the shutdown began");
            CancellationException stopped = assertThrows(CancellationException.class, listener::checkCancelled);
            assertEquals("Stopped by a signal (Ctrl-C or SIGTERM) before the command finished", stopped.getMessage());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
