package org.pkeworkbench.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.pkeworkbench.model.io.ImmediateExit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a running command before the JVM exits on Ctrl-C or SIGTERM, so that libtorch is not torn
 * down under one of its own calls.
 *
 * <p>On a signal the JVM runs its shutdown hooks and then exits, while the command's thread keeps
 * running. Exiting runs libtorch's static destructors; a thread still inside a libtorch call then
 * crashes the JVM. This happened once in two SIGTERMs during an edit: SIGSEGV in
 * {@code at::accelerator::getAccelerator} under a backward pass, with an {@code hs_err_pid*.log}
 * left in the working folder. The hook installed here interrupts the command's thread, which core
 * code notices at its next {@code ProgressListener.checkCancelled()} (between generated tokens,
 * records and edit steps), and waits for the command to return before the JVM goes on exiting.
 * A command that does not return in time while inside libtorch ends the process through
 * {@link ImmediateExit} instead.
 *
 * <p>Example, in {@code main}: {@code CommandShutdown guard = CommandShutdown.install(Thread.currentThread());
 * try { code = run(args); } finally { guard.commandEnded(); }}.
 */
final class CommandShutdown {

    /**
     * Default time the hook waits for the command to stop, in seconds. An edit step of the 642 MiB
     * benchmark model takes under a second on 2 cores. A step of a 7B model on a CPU can take
     * longer, and then {@link #stopCommand} ends the process after this wait.
     */
    static final long WAIT_SECONDS = 30;

    /** System property that replaces {@link #WAIT_SECONDS}, for runs whose steps take longer. */
    static final String WAIT_PROPERTY = "pke.shutdown.wait.seconds";

    private static final Logger LOG = LoggerFactory.getLogger(CommandShutdown.class);

    /** The guard of this process's command, or null before {@link #install} and in tests that call {@link Main#run}. */
    private static volatile CommandShutdown current;

    private final Thread commandThread;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stopping;

    CommandShutdown(Thread commandThread) {
        this.commandThread = commandThread;
    }

    /** Registers the shutdown hook for the command that runs on {@code commandThread}. */
    static CommandShutdown install(Thread commandThread) {
        CommandShutdown guard = new CommandShutdown(commandThread);
        Runtime.getRuntime().addShutdownHook(new Thread(guard::stopCommand, "pke-command-stop"));
        current = guard;
        return guard;
    }

    /**
     * Throws {@link java.util.concurrent.CancellationException} with {@code stoppedMessage} when the
     * calling thread was interrupted, which this hook does on Ctrl-C or SIGTERM. Long loops of a
     * command that reach no {@code ProgressListener} check call it, so that they stop within one pass.
     */
    static void throwIfInterrupted(String stoppedMessage) {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException(stoppedMessage);
        }
    }

    /**
     * Returns the seconds to wait for the command from the {@value #WAIT_PROPERTY} property's
     * {@code text}: the default when it is not set, and the default with a warning when it is not a
     * whole number of 0 or more.
     */
    static long waitSeconds(String text) {
        if (text == null) {
            return WAIT_SECONDS;
        }
        try {
            long seconds = Long.parseLong(text.trim());
            if (seconds >= 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // Reported below with the value.
        }
        LOG.warn("-D{}={} is not a whole number of 0 or more seconds; waiting the default {} s", WAIT_PROPERTY, text,
                WAIT_SECONDS);
        return WAIT_SECONDS;
    }

    /** True once a signal has asked the command of this process to stop. */
    static boolean isStopping() {
        CommandShutdown guard = current;
        return guard != null && guard.stopping;
    }

    /**
     * Leaves the command to its own shutdown handling: the workbench window runs its work on other
     * threads and is not stopped by interrupting the thread that launched it.
     */
    static void release() {
        CommandShutdown guard = current;
        if (guard != null) {
            guard.commandEnded();
        }
    }

    /** Marks the command as returned, so that a later hook has nothing to wait for. */
    void commandEnded() {
        ended.countDown();
    }

    /**
     * Interrupts the command's thread and waits up to {@value #WAIT_SECONDS} s (or the seconds in
     * {@value #WAIT_PROPERTY}) for it to return. When the thread is still inside a libtorch call
     * after that, the process ends at once without libtorch's clean-up (see {@link ImmediateExit}).
     * This is the shutdown hook's work, and tests call it directly.
     */
    void stopCommand() {
        if (ended.getCount() == 0) {
            return;
        }
        stopping = true;
        long waitSeconds = waitSeconds(System.getProperty(WAIT_PROPERTY));
        LOG.info("Stopping: waiting up to {} s for the running command to reach a point where it can stop",
                waitSeconds);
        long started = System.nanoTime();
        commandThread.interrupt();
        try {
            if (ended.await(waitSeconds, TimeUnit.SECONDS)) {
                LOG.info("The command stopped {} ms after the signal", (System.nanoTime() - started) / 1_000_000);
            } else {
                String reason = "The command did not stop within " + waitSeconds + " s of the signal";
                ImmediateExit.ifInsideLibtorch(commandThread, reason);
                LOG.warn("{}; exiting anyway", reason);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting for the command to stop");
        }
    }
}
