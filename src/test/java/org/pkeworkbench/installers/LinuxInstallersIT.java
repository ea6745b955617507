package org.pkeworkbench.installers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts what {@code mvn -Pinstallers verify} built on Linux: the app image's self-check, help
 * and workbench window, and the self-check of the .deb's files unpacked with {@code dpkg-deb -x}
 * (nothing is installed). Each run gets an empty home folder (so an empty DJL cache) and a working
 * directory outside the project, so libtorch and the demo model can only come from the installation.
 */
@EnabledOnOs(OS.LINUX)
class LinuxInstallersIT {

    private static final String LAUNCHER = "PKE Workbench";

    @TempDir
    Path temp;

    @Test
    void appImageSelfCheckPasses() throws Exception {
        Path image = image();

        Run run = start(image.resolve("bin").resolve(LAUNCHER), Map.of(), "self-check");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("libtorch: " + image.resolve("lib/app/native/pytorch")
                + " (system property PYTORCH_LIBRARY_PATH)"), run::toString);
        assertTrue(run.out().contains("demo model: " + image.resolve("lib/app/resources/models/demo")), run::toString);
        assertTrue(run.out().contains("self-check passed"), run::toString);
        assertFalse(Files.exists(home().resolve(".djl.ai/pytorch")), "no libtorch was extracted into the home folder");
    }

    /**
     * Starts the launcher without arguments under Xvfb, with the real GTK backend, and waits until
     * the workbench has opened the demo model; skipped where {@code xvfb-run} is missing.
     */
    @Test
    void appImageOpensWorkbench() throws Exception {
        Path xvfbRun = Path.of("/usr/bin/xvfb-run");
        assumeTrue(Files.isExecutable(xvfbRun), "xvfb-run is not installed");
        Path image = image();
        Path err = temp.resolve("workbench-stderr.txt");
        ProcessBuilder builder = isolated(List.of(xvfbRun.toString(), "-a", image.resolve("bin").resolve(LAUNCHER)
                .toString()), Map.of(), Files.createDirectories(temp.resolve("work")));
        Process process = builder.redirectOutput(temp.resolve("workbench-stdout.txt").toFile())
                .redirectError(err.toFile()).start();

        String log;
        try {
            log = waitForLine(process, err, "Open demo model finished");
        } finally {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            process.waitFor();
        }

        assertTrue(log.contains("Open demo model finished"), log);
        assertTrue(log.contains("from " + image.resolve("lib/app/resources/models/demo")), log);
        assertFalse(log.contains("Exception"), log);
    }

    /** Arguments given to the launcher replace its default {@code workbench}, so it also runs commands. */
    @Test
    void launcherRunsGivenCommand() throws Exception {
        Run run = start(image().resolve("bin").resolve(LAUNCHER), Map.of(), "--help");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("self-check"), run::toString);
        assertTrue(run.out().contains("workbench"), run::toString);
    }

    @Test
    void missingLibtorchFailsWithMessage() throws Exception {
        Path empty = Files.createDirectories(temp.resolve("no-libtorch"));

        Run run = start(image().resolve("bin").resolve(LAUNCHER), Map.of("PYTORCH_LIBRARY_PATH", empty.toString()),
                "self-check");

        assertEquals(2, run.exitCode(), run::toString);
        // The folder comes first, because it is the cause.
        assertTrue(run.err().contains("self-check FAILED: libtorch could not be loaded: PYTORCH_LIBRARY_PATH is " + empty
                + " (environment variable), but it contains no libtorch.so; point it at the lib folder"), run::toString);
    }

    @Test
    void unpackedDebSelfCheckPasses() throws Exception {
        Path deb = deb();
        Path root = temp.resolve("root");

        Run unpack = run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), Map.of(), temp);
        Run fields = run(List.of("dpkg-deb", "-f", deb.toString(), "Package", "Depends"), Map.of(), temp);
        Path installed = root.resolve("opt/pke-workbench");
        Run selfCheck = start(installed.resolve("bin").resolve(LAUNCHER), Map.of(), "self-check");

        assertEquals(0, unpack.exitCode(), unpack::toString);
        assertTrue(fields.out().contains("Package: pke-workbench"), fields::toString);
        assertTrue(fields.out().contains("libgtk-3-0"), fields::toString);
        assertTrue(Files.isRegularFile(installed.resolve("lib/pke-workbench-PKE_Workbench.desktop")),
                "the .deb holds a desktop menu entry");
        assertFalse(Files.exists(installed.resolve("lib/pke-workbench-pke-workbench.desktop")),
                "only the workbench has a menu entry");
        assertEquals(0, selfCheck.exitCode(), selfCheck::toString);
        assertTrue(selfCheck.out().contains("libtorch: " + installed.resolve("lib/app/native/pytorch")), selfCheck::toString);
        assertTrue(selfCheck.out().contains("self-check passed"), selfCheck::toString);
    }

    /**
     * The maintainer scripts must not fail where no desktop menu can be written (no desktop
     * environment, no xdg-utils): the scripts run here with a PATH that has no xdg tools at all.
     */
    @Test
    void debScriptsTolerateNoDesktop() throws Exception {
        Path control = temp.resolve("control");
        Path noTools = Files.createDirectories(temp.resolve("no-tools"));
        Run extract = run(List.of("dpkg-deb", "-e", deb().toString(), control.toString()), Map.of(), temp);
        assertEquals(0, extract.exitCode(), extract::toString);

        Run postinst = run(List.of("/bin/sh", control.resolve("postinst").toString(), "configure"),
                Map.of("PATH", noTools.toString()), temp);
        Run prerm = run(List.of("/bin/sh", control.resolve("prerm").toString(), "remove"),
                Map.of("PATH", noTools.toString()), temp);

        assertTrue(Files.readString(control.resolve("postinst")).contains("xdg-desktop-menu install"),
                "postinst installs the menu entry where it can");
        assertEquals(0, postinst.exitCode(), postinst::toString);
        assertTrue(postinst.err().contains("no desktop menu entry was installed"), postinst::toString);
        assertEquals(0, prerm.exitCode(), prerm::toString);
        assertTrue(prerm.err().contains("no desktop menu entry to remove"), prerm::toString);
    }

    private static Path image() {
        Path image = Path.of(property("pke.installer.image"));
        assertTrue(Files.isDirectory(image), "app image " + image + " not found; build it with mvn -Pinstallers verify");
        return image;
    }

    private static Path deb() throws IOException {
        Path dir = Path.of(property("pke.installer.dir"));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> debs = files.filter(file -> file.getFileName().toString().endsWith(".deb")).toList();
            assertEquals(1, debs.size(), "expected one .deb in " + dir + ", found " + debs
                    + "; build it with mvn -Pinstallers verify (installer.type=deb)");
            return debs.get(0);
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        String hint = "system property " + name + " is not set; run this test through mvn -Pinstallers verify";
        assertNotNull(value, hint);
        assertFalse(value.isBlank(), hint);
        return value;
    }

    private Path home() throws IOException {
        return Files.createDirectories(temp.resolve("home"));
    }

    /** Starts a launcher with an empty home folder, from a working directory outside the project. */
    private Run start(Path launcher, Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        Path workingDir = Files.createDirectories(temp.resolve("work"));
        return run(command, environment, workingDir);
    }

    /**
     * Waits until the log in {@code err} contains {@code line} or the process exits, and returns
     * the log. The bound of 10 minutes only keeps a hung start from blocking the build.
     */
    private static String waitForLine(Process process, Path err, String line) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            String log = Files.readString(err, StandardCharsets.UTF_8);
            if (log.contains(line) || !process.isAlive()) {
                return log;
            }
            Thread.sleep(500);
        }
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    private Run run(List<String> command, Map<String, String> environment, Path workingDir) throws Exception {
        ProcessBuilder builder = isolated(command, environment, workingDir);
        Path out = temp.resolve("stdout.txt");
        Path err = temp.resolve("stderr.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exitCode = process.waitFor();
        return new Run(command, exitCode, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Builds a process with the empty home folder and without DJL, libtorch or Java settings of this JVM. */
    private ProcessBuilder isolated(List<String> command, Map<String, String> environment, Path workingDir)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("PYTORCH_") || key.startsWith("DJL_") || key.startsWith("JAVA_")
                || key.equals("JDK_JAVA_OPTIONS"));
        env.put("HOME", home().toString());
        // Java 17 reads user.home from the password database, not from HOME, and DJL's cache
        // (~/.djl.ai) follows user.home. The JVM reads JAVA_TOOL_OPTIONS under any launcher.
        env.put("JAVA_TOOL_OPTIONS", "-Duser.home=" + home());
        env.putAll(environment);
        return builder;
    }

    /** One finished process: its command, exit code and output. */
    private record Run(List<String> command, int exitCode, String out, String err) {

        @Override
        public String toString() {
            return String.join(" ", command) + " exited with " + exitCode + "\n--- stdout ---\n" + out
                    + "\n--- stderr ---\n" + err;
        }
    }
}
