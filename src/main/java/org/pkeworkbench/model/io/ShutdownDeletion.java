package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a directory tree or a file if the JVM shuts down before {@link #close()}: Ctrl-C runs
 * shutdown hooks but skips {@code finally} blocks. The paths this guards (the temporary file or
 * folder of an output being written, a temporary or staged random model, a partial comparison)
 * can take gigabytes.
 *
 * <p>The thread that fills the directory keeps running while shutdown hooks run. Writes made
 * through {@link #write} are therefore fenced: once shutdown has begun no new write starts, and
 * the hook waits for the write in progress to end before it deletes, so that no file lands in the
 * directory after the deletion. The fence is one lock for all guards, because guarded folders
 * nest: {@code bench} guards its temporary folder, and the random model written into it guards
 * its staging folder, so either hook waits for a write into either folder. A long write stops
 * sooner when its progress listener comes from {@link #stopOnShutdown}.
 *
 * <p>Example: {@code try (ShutdownDeletion guard = ShutdownDeletion.of(staging)) { guard.write(() ->
 * writeShard(staging)); }}.
 */
public final class ShutdownDeletion implements AutoCloseable {

    /**
     * Time the hook waits for a write in progress, in seconds. One shard of an 8B-size model took
     * 1 to 3 s to write on 2 cores.
     */
    private static final long WRITE_WAIT_SECONDS = 30;

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDeletion.class);

    /** Message of the {@link CancellationException} that a write raises once shutdown has begun. */
    public static final String STOPPED = "Stopped by a signal (Ctrl-C or SIGTERM) before the command finished";

    /** The fence of every guard's writes, one lock because guarded folders nest. */
    private static final ReentrantLock WRITING = new ReentrantLock();

    /** Deletion hooks that have started and not yet finished. */
    private static final java.util.concurrent.atomic.AtomicInteger RUNNING = new java.util.concurrent.atomic.AtomicInteger();

    private final Path dir;
    private final Thread hook;
    private volatile boolean stopping;

    /** One write into the guarded directory. */
    public interface Write {
        void run() throws IOException;
    }

    private ShutdownDeletion(Path dir) {
        this.dir = dir;
        this.hook = new Thread(this::deleteOnShutdown, "pke-shutdown-deletion");
    }

    /**
     * Stops new writes, waits for the one in progress, then deletes the directory. This is the
     * shutdown hook's work, and tests call it directly.
     */
    void deleteOnShutdown() {
        RUNNING.incrementAndGet();
        stopping = true;
        boolean idle = false;
        try {
            idle = WRITING.tryLock(WRITE_WAIT_SECONDS, TimeUnit.SECONDS);
            if (!idle) {
                LOG.warn("A write into {} did not end within {} s of the shutdown; deleting anyway", dir,
                        WRITE_WAIT_SECONDS);
            }
            DirectoryTrees.delete(dir);
            LOG.info("Deleted {} on shutdown", dir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {} on shutdown: {}", dir, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting to delete {} on shutdown", dir);
        } finally {
            if (idle) {
                WRITING.unlock();
            }
            RUNNING.decrementAndGet();
        }
    }

    /**
     * Waits up to {@code seconds} for the deletion hooks that have started to finish. A hook that
     * ends the process at once calls this first, so that no partial output is left.
     */
    public static void awaitRunningDeletions(long seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (RUNNING.get() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Starts guarding {@code dir}, a folder or a file, which need not exist yet.
     *
     * @throws CancellationException when the JVM is already shutting down, so that nothing is
     *     written that no hook would delete
     */
    public static ShutdownDeletion of(Path dir) {
        ShutdownDeletion deletion = new ShutdownDeletion(dir);
        try {
            Runtime.getRuntime().addShutdownHook(deletion.hook);
        } catch (IllegalStateException shuttingDown) {
            throw new CancellationException(STOPPED);
        }
        return deletion;
    }

    /**
     * Runs {@code write} unless shutdown has begun. The shutdown hook waits for it to end.
     *
     * @throws CancellationException when the JVM is shutting down, so that nothing new is written
     */
    public void write(Write write) throws IOException {
        WRITING.lock();
        try {
            if (stopping) {
                throw new CancellationException(STOPPED);
            }
            write.run();
        } finally {
            WRITING.unlock();
        }
    }

    /**
     * Returns a listener that passes updates to {@code progress} and also reports cancellation once
     * shutdown has begun, so that a write checking it stops at its next chunk and releases the hook.
     */
    public ProgressListener stopOnShutdown(ProgressListener progress) {
        return new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                progress.update(fraction, message);
            }

            @Override
            public boolean isCancelled() {
                return stopping || progress.isCancelled();
            }

            @Override
            public void checkCancelled() {
                if (stopping) {
                    throw new CancellationException(STOPPED);
                }
                progress.checkCancelled();
            }
        };
    }

    /** Stops guarding and leaves the directory as it is. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already shutting down, so the hook runs anyway.
            LOG.debug("Shutdown in progress; the deletion hook stays", shuttingDown);
        }
    }
}
