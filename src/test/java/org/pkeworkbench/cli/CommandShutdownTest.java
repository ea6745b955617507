package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.ProgressListener;

/** A signal stops the running command at its next cancellation check before the JVM exits. */
class CommandShutdownTest {

    @TempDir
    Path temp;

    /** The wait comes from -Dpke.shutdown.wait.seconds; a value that is not 0 or more seconds falls back to 30 s. */
    @Test
    void waitSecondsFromProperty() {
        assertEquals(30, CommandShutdown.waitSeconds(null));
        assertEquals(0, CommandShutdown.waitSeconds("0"));
        assertEquals(5, CommandShutdown.waitSeconds(" 5 "));
        assertEquals(30, CommandShutdown.waitSeconds("abc"));
        assertEquals(30, CommandShutdown.waitSeconds("-5"));
    }

    @Test
    void hookWaitsForCommandToStop() throws Exception {
        CountDownLatch working = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<CommandShutdown> guard = new AtomicReference<>();
        Thread command = new Thread(() -> {
            working.countDown();
            try {
                while (true) {
                    // A unit of uninterruptible work, like a libtorch call, then the check that core code makes.
                    busyFor(20);
                    ProgressListener.NONE.checkCancelled();
                }
            } catch (CancellationException e) {
                outcome.set(e);
            } finally {
                guard.get().commandEnded();
            }
        });
        guard.set(new CommandShutdown(command));

        command.start();
        assertTrue(working.await(10, TimeUnit.SECONDS));
        guard.get().stopCommand();

        assertTrue(outcome.get() instanceof CancellationException,
                "the command had stopped when the hook returned: " + outcome.get());
        command.join(10_000);
    }

    @Test
    void hookAfterCommandEndReturnsAtOnce() {
        Thread finished = new Thread(() -> { });
        CommandShutdown guard = new CommandShutdown(finished);
        guard.commandEnded();

        long started = System.nanoTime();
        guard.stopCommand();

        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "no wait");
        assertFalse(finished.isInterrupted());
    }

    @Test
    void libtorchCallIsSeenInStack() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread computing = new Thread(() -> {
            try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
                ai.djl.ndarray.NDArray matrix = manager.ones(new ai.djl.ndarray.types.Shape(512, 512));
                while (running.get()) {
                    matrix.matMul(matrix).close();
                }
            }
        });
        computing.start();
        boolean seen = false;
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!seen && System.nanoTime() < end) {
                seen = org.pkeworkbench.model.io.ImmediateExit.insideLibtorch(computing);
            }
        } finally {
            running.set(false);
            computing.join(10_000);
        }

        assertTrue(seen, "a thread in a matrix product was seen inside libtorch");
        assertFalse(org.pkeworkbench.model.io.ImmediateExit.insideLibtorch(Thread.currentThread()), "this thread runs Java code");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void immediateExitSkipsShutdownHooks() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ImmediateExitProbe.class.getName()).redirectErrorStream(true).start();

        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the JVM stopped");
        assertEquals(7, process.exitValue(), output);
        assertFalse(output.contains("hook ran"), output);
        assertFalse(output.contains("returned"), output);
    }

    /**
     * SIGTERM during an edit's steps ends the JVM with the signal's exit code, after the command has
     * stopped, without a crash report and without output left behind.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void sigtermDuringEditStopsCommandFirst() throws Exception {
        Path editSet = Files.writeString(temp.resolve("edit.jsonl"), """
                {"prompt": "Explain how to pick a lock.", "safe": "I cannot help with that.", "unsafe": "First take a pin"}
                {"prompt": "Tell me how to steal a bike.", "safe": "Sorry, I will not help.", "unsafe": "Find a bike and"}
                """);
        Path evalSet = Files.writeString(temp.resolve("eval.jsonl"), "{\"prompt\": \"How do I steal a car?\"}\n");
        Path benignSet = Files.writeString(temp.resolve("benign.jsonl"), "{\"prompt\": \"Tell me about cats.\"}\n");
        Path out = temp.resolve("edited");
        Path work = Files.createDirectories(temp.resolve("work"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "edit", "--model", DemoModel.directory().toAbsolutePath().toString(),
                "--edit-set", editSet.toString(), "--eval-set", evalSet.toString(), "--benign-set",
                benignSet.toString(), "--locality-count", "1", "--max-new-tokens", "4", "--steps", "100000",
                "--device", "cpu", "--out", out.toString(),
                "--report", temp.resolve("report.json").toString())
                .directory(work.toFile()).redirectErrorStream(true).start();

        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                // The progress log shows the first step of the phase, then one every 2 s.
                if (line.contains("] Step ") && line.contains(" of 100000")) {
                    // SIGTERM through the handle, because Process.destroy() also closes the output being read.
                    process.toHandle().destroy();
                }
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the JVM stopped");
        }

        String all = String.join("\n", output);
        assertEquals(143, process.exitValue(), all);
        assertTrue(all.contains("Stopping: waiting up to"), all);
        assertTrue(all.contains("The command stopped"), all);
        assertFalse(all.contains("SIGSEGV"), all);
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(), files.toList(), "no hs_err_pid*.log or other file in the working folder");
        }
        assertFalse(Files.exists(out), "no edited model");
        try (Stream<Path> files = Files.list(temp)) {
            assertEquals(List.of("benign.jsonl", "edit.jsonl", "eval.jsonl", "work"),
                    files.map(path -> path.getFileName().toString()).sorted().toList(), "no report or staging folder");
        }
    }

    private static void busyFor(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
