package org.pkeworkbench.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JavaFX application: one {@link WorkbenchWindow} over the backend from
 * {@link #setBackendFactory}. The first raw parameter, if any, is a model directory to open at
 * start. Launch it through {@link WorkbenchLauncher}, because a class that extends
 * {@code Application} cannot be the main class of a classpath launch.
 */
public class WorkbenchApp extends Application {

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchApp.class);
    private static final double WIDTH = 1280;
    private static final double HEIGHT = 800;

    private static volatile Supplier<? extends WorkbenchBackend> backendFactory = CoreBackend::new;

    /** Raw parameter that opens the shipped demo model and its prompt sets. */
    public static final String DEMO_ARGUMENT = "--demo";

    private final WorkbenchSettings settings = WorkbenchSettings.fromSystemProperties();
    private WorkbenchBackend backend;
    private WorkbenchWindow window;
    /** Time a signal waits for the running task to stop, as {@code CommandShutdown} waits for a command. */
    private static final java.time.Duration SIGNAL_WAIT = java.time.Duration.ofSeconds(30);
    /** Set by {@link #stop()}, so that the exit hook can tell a closed window from a signal. */
    private volatile boolean stopped;

    /** Sets where the next started app gets its backend. Call before {@link Application#launch}. */
    public static void setBackendFactory(Supplier<? extends WorkbenchBackend> factory) {
        backendFactory = Objects.requireNonNull(factory, "factory");
    }

    @Override
    public void start(Stage stage) {
        LOG.info("Workbench starting");
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopOnSignal, "workbench-signal-stop"));
        backend = backendFactory.get();
        window = new WorkbenchWindow(backend);
        stage.titleProperty().bind(window.titleProperty());
        stage.setScene(new Scene(window, WIDTH, HEIGHT));
        WindowLayout.load(settings).ifPresent(layout -> layout.applyTo(stage, window));
        stage.setOnHiding(event -> WindowLayout.capture(stage, window).save(settings));
        stage.show();

        window.sessions().enableRecovery();
        window.sessions().offerRecovery();
        List<String> arguments = getParameters().getRaw();
        if (arguments.isEmpty()) {
            return;
        }
        if (arguments.get(0).equals(DEMO_ARGUMENT)) {
            window.openDemoModel();
        } else {
            window.openModel(Path.of(arguments.get(0)));
        }
    }

    /**
     * On an exit without {@link #stop()} (a signal such as Ctrl-C or SIGTERM, or System.exit),
     * stops the running task before the JVM exits, so that libtorch is not torn down under it.
     */
    private void stopOnSignal() {
        if (stopped) {
            return;
        }
        LOG.info("Workbench ended without closing its window (a signal such as Ctrl-C); stopping the running task. "
                + "The next start offers any autosaved work");
        try {
            if (window != null && !window.stopBackendOnSignal(SIGNAL_WAIT)) {
                String reason = "The running task did not stop within " + SIGNAL_WAIT.toSeconds() + " s of the signal";
                window.exitIfBackendInsideLibtorch(reason);
                LOG.warn("{}; exiting anyway", reason);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting for the running task to stop");
        }
    }

    @Override
    public void stop() {
        stopped = true;
        boolean backendIdle = window == null || window.shutdown();
        if (backend != null && !backendIdle) {
            LOG.warn("Not closing the model while a cancelled call may still use it");
        } else if (backend != null) {
            try {
                backend.close();
            } catch (Exception error) {
                LOG.error("Closing the backend failed", error);
            }
        }
        LOG.info("Workbench stopped");
    }
}
