package org.pkeworkbench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import javafx.application.Application;
import org.pkeworkbench.app.CoreBackend;
import org.pkeworkbench.app.WorkbenchApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code workbench}: opens the JavaFX workbench, on the demo model unless a model is given. */
@Command(name = "workbench", mixinStandardHelpOptions = true,
        description = "Open the workbench window, on the shipped demo model unless --model is given.")
final class WorkbenchCommand implements Callable<Integer> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkbenchCommand.class);

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            description = "Hugging Face model directory to open instead of the demo model.")
    Path model;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() {
        // The device is resolved when the window opens a model. So a missing GPU shows its error in
        // the window, where the device box can switch to the CPU, also for an app started from a menu.
        CoreBackend.Settings defaults = CoreBackend.Settings.defaults();
        CoreBackend.Settings settings = new CoreBackend.Settings(devices.request(), defaults.editSettings(),
                defaults.locateSettings(), defaults.maxNewTokens(), defaults.localityCount(), defaults.maxEditRecords(),
                defaults.maxEvalPrompts());
        WorkbenchApp.setBackendFactory(() -> new CoreBackend(settings, devices.dtype()));
        String argument = model == null ? WorkbenchApp.DEMO_ARGUMENT : model.toString();
        try {
            devices.applyThreads();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // The window shows why libtorch cannot be loaded when it opens a model.
            LOG.warn("--threads not applied: {}", e.toString());
        }
        CommandShutdown.release();
        try {
            Application.launch(WorkbenchApp.class, argument);
        } catch (UnsupportedOperationException e) {
            // JavaFX's messages name the missing library or display, but not the fix.
            String message = String.valueOf(e.getMessage());
            if (message.contains("GTK")) {
                throw new MachineSetupException(message + ". The window needs GTK 3: install it (on Debian and "
                        + "Ubuntu, apt-get install libgtk-3-0). See the README's Troubleshooting.", e);
            }
            if (message.contains("DISPLAY")) {
                throw new MachineSetupException(message + ". The window needs a display: start it from a desktop "
                        + "session, or on a server under xvfb-run. If DISPLAY is set, check that this user may use that "
                        + "display (XAUTHORITY). See the README's Troubleshooting.", e);
            }
            throw e;
        }
        return 0;
    }
}
