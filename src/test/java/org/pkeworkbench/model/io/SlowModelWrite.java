package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkeworkbench.model.ProgressListener;

/**
 * A program that {@link ModelDirectoryShutdownTest} runs in a separate JVM. It writes a model
 * directory of 200 small tensors and waits 100 ms after each, so that the test can stop the JVM in
 * the middle of the write. It prints "writing" after each tensor.
 *
 * <p>Arguments: the source model folder and the output folder.
 */
public final class SlowModelWrite {

    private SlowModelWrite() {}

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        Path output = Path.of(args[1]);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (int i = 0; i < 200; i++) {
                tensors.put(String.format("w%03d", i), manager.ones(new ai.djl.ndarray.types.Shape(1024)));
            }
            ProgressListener slow = (fraction, message) -> {
                System.out.println("writing");
                System.out.flush();
                sleep();
            };
            ModelDirectoryWriter.write(source, tensors, Map.of(), StoredDType.F32, output, slow);
        }
        System.out.println("finished " + Files.isDirectory(output));
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
