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

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            description = "Hugging Face model directory to open instead of the demo model.")
    Path model;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() {
        // A missing GPU fails here, before the window opens. auto and cpu always resolve, and the
        // backend logs its choice when it loads the model.
        if ("gpu".equals(devices.request())) {
            devices.resolve();
        }
        CoreBackend.Settings defaults = CoreBackend.Settings.defaults();
        CoreBackend.Settings settings = new CoreBackend.Settings(devices.request(), defaults.editSettings(),
                defaults.locateSettings(), defaults.maxNewTokens(), defaults.localityCount(), defaults.maxEditRecords(),
                defaults.maxEvalPrompts());
        WorkbenchApp.setBackendFactory(() -> new CoreBackend(settings, devices.dtype()));
        String argument = model == null ? WorkbenchApp.DEMO_ARGUMENT : model.toString();
        Application.launch(WorkbenchApp.class, argument);
        return 0;
    }
}
