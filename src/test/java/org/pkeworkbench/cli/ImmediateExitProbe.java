package org.pkeworkbench.cli;

/**
 * Process for {@link CommandShutdownTest}: registers a shutdown hook, then ends through
 * {@link org.pkeworkbench.model.io.ImmediateExit} with status 7. Prints "hook ran" or "returned" if either happens.
 */
public final class ImmediateExitProbe {

    private ImmediateExitProbe() {}

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran")));
        org.pkeworkbench.model.io.ImmediateExit.exit(7);
        System.out.println("returned");
    }
}
