package org.pkeworkbench.app;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.application.Platform;
import org.pkeworkbench.model.ProgressListener;

/**
 * Wraps a real backend so a test can cancel any call at a known point, and records on which
 * thread every call ran.
 *
 * <p>The small demo model finishes most calls before a test could click Cancel. After {@link #arm()},
 * the next call's first progress report waits until the window has cancelled it; the real core
 * then meets the cancel at its next check and must roll back on its own. Nothing else changes:
 * every call goes to the wrapped backend with the window's own listener behind the gate.
 */
final class GatedBackend implements InvocationHandler {

    /** A backend method and whether it ran on the JavaFX application thread. */
    record Call(String method, boolean onFxThread) {}

    private final WorkbenchBackend delegate;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch reached = new CountDownLatch(1);

    private GatedBackend(WorkbenchBackend delegate) {
        this.delegate = delegate;
    }

    /** Returns a backend that forwards to {@code delegate} through {@code handler}. */
    static WorkbenchBackend wrap(WorkbenchBackend delegate, GatedBackend[] handler) {
        handler[0] = new GatedBackend(delegate);
        return (WorkbenchBackend) Proxy.newProxyInstance(WorkbenchBackend.class.getClassLoader(),
                new Class<?>[] {WorkbenchBackend.class}, handler[0]);
    }

    /** Makes the next call stop at its first progress report until it is cancelled. */
    void arm() {
        reached = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until the armed call has reached its gate. */
    void awaitGate() throws InterruptedException {
        if (!reached.await(FxTestSupport.WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("The armed backend call reported no progress within "
                    + FxTestSupport.WAIT_SECONDS + " s");
        }
    }

    /** Returns every backend call so far, in order. */
    List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        calls.add(new Call(method.getName(), Platform.isFxApplicationThread()));
        if (args != null) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof ProgressListener listener && armed.getAndSet(false)) {
                    args[i] = new Gate(listener, reached);
                }
            }
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Passes reports on, but keeps the first one waiting until the window has cancelled the call. */
    private static final class Gate implements ProgressListener {

        private final ProgressListener window;
        private final CountDownLatch reached;
        private boolean passed;

        private Gate(ProgressListener window, CountDownLatch reached) {
            this.window = window;
            this.reached = reached;
        }

        @Override
        public void update(double fraction, String message) {
            window.update(fraction, message);
            if (!passed) {
                passed = true;
                reached.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FxTestSupport.WAIT_SECONDS);
                while (!window.isCancelled() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException interrupted) {
                        // The window's cancel interrupts this thread; keep the flag for the core's check.
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        @Override
        public boolean isCancelled() {
            return window.isCancelled();
        }
    }
}
