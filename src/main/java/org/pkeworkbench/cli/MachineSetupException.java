package org.pkeworkbench.cli;

/**
 * The machine lacks something a command needs, such as GTK for the window. The message names what
 * to install, so {@link Main} prints it alone, without a stack trace.
 */
final class MachineSetupException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    MachineSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
