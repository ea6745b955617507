package org.pkeworkbench.cli;

import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

/**
 * Reports logback's own errors, such as a log folder that cannot be created, as one line on
 * stderr. Without a listener, logback prints its whole configuration status, about 70 lines with a
 * stack trace, on stdout, which breaks commands whose stdout is their output. Registered in
 * {@code logback.xml}.
 */
public final class LogFileStatusListener extends ContextAwareBase implements StatusListener, LifeCycle {

    private boolean started;
    private boolean reported;

    @Override
    public synchronized void addStatusEvent(Status status) {
        if (status.getLevel() < Status.ERROR || reported) {
            return;
        }
        // One line for the first error: the rest repeat it (the folder, then the file, cannot be made).
        reported = true;
        System.err.println("Warning: no log file is written: " + status.getMessage() + ". Set -Dpke.settings.dir to "
                + "a writable folder to keep one; log lines still go to stderr.");
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isStarted() {
        return started;
    }
}
