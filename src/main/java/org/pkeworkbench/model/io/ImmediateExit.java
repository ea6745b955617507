package org.pkeworkbench.model.io;

import com.sun.jna.Function;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process at once through the C library's {@code _exit}, which skips the exit handlers
 * and static destructors that a normal JVM exit runs. libtorch's destructors crash the JVM when a
 * thread is still inside a libtorch call, so a shutdown that cannot wait for that call ends this
 * way. Other shutdown hooks must have finished first: nothing else runs after this call.
 *
 * <p>Example, in a shutdown hook after waiting for a worker thread: {@code
 * ImmediateExit.ifInsideLibtorch(worker, "The edit did not stop within 30 s of the signal");}.
 */
public final class ImmediateExit {

    /** Exit status of a process ended because a thread was still inside libtorch. */
    public static final int STATUS = 1;

    /** Time given to the shutdown hooks that delete partial outputs before such an exit, in seconds. */
    private static final long DELETION_WAIT_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(ImmediateExit.class);

    private ImmediateExit() {}

    /**
     * Returns whether {@code thread} is running a native method of DJL's PyTorch bindings, that is,
     * a libtorch call.
     */
    public static boolean insideLibtorch(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        return stack.length > 0 && stack[0].isNativeMethod() && stack[0].getClassName().startsWith("ai.djl.pytorch.");
    }

    /**
     * Ends the process with {@link #STATUS} when {@code thread} is inside a libtorch call, after the
     * running deletion hooks of {@link ShutdownDeletion} have finished, and returns otherwise.
     *
     * @param reason what did not stop in time, the start of the logged warning
     */
    public static void ifInsideLibtorch(Thread thread, String reason) {
        if (!insideLibtorch(thread)) {
            return;
        }
        LOG.warn("{}, and it is inside a libtorch call; exiting with status {} without libtorch's clean-up, which "
                + "would crash the JVM under that call", reason, STATUS);
        ShutdownDeletion.awaitRunningDeletions(DELETION_WAIT_SECONDS);
        exit(STATUS);
    }

    /**
     * Ends the process with {@code status}. Returns only when {@code _exit} cannot be called, after
     * logging why, and the JVM then exits as usual.
     */
    public static void exit(int status) {
        try {
            Function.getFunction(Platform.C_LIBRARY_NAME, "_exit").invokeVoid(new Object[] {status});
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("Could not end the process through _exit ({}); the JVM exits as usual", e.toString());
        }
    }
}
