package org.pkeworkbench.model;

import org.pkeworkbench.testing.ModelOutputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.model.io.WeightStore;
import org.pkeworkbench.testing.SharedFiles;

/** Config and naming variants that the reference fixtures do not cover directly. */
class ModelVariantsTest {

    private static final long[] IDS = {1, 43, 168, 231, 126, 144, 174, 119};

    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static float[] logits(Path dir, long[] ids) throws IOException {
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu())) {
            return ModelOutputs.logits(model, ids);
        }
    }

    @Test
    void gpt2LoadsTransformerPrefixedNames(@TempDir Path temp) throws IOException {
        Path source = SharedFiles.fixture("tiny-gpt2");
        Path prefixed = temp.resolve("prefixed");
        copyFiles(source, prefixed);
        Files.delete(prefixed.resolve("model.safetensors"));
        try (WeightStore store = WeightStore.open(source); NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : store.names()) {
                tensors.put("transformer." + name, store.loadFloat32(name, manager));
            }
            SafetensorsWriter.write(prefixed.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
        assertArrayEquals(logits(source, IDS), logits(prefixed, IDS));
    }

    /**
     * With a window of one token each query sees only itself, so the attention output is the
     * token's own value vector whatever its position, and each position's logits equal those of
     * the token run alone.
     */
    @Test
    void slidingWindowOfOneSeesOnlyItself(@TempDir Path temp) throws IOException {
        Path windowed = temp.resolve("windowed");
        copyFiles(SharedFiles.fixture("tiny-mistral"), windowed);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(windowed.resolve("config.json").toFile());
        config.put("sliding_window", 1);
        mapper.writeValue(windowed.resolve("config.json").toFile(), config);

        float[] all = logits(windowed, IDS);
        int vocab = all.length / IDS.length;
        for (int i : List.of(0, 3, IDS.length - 1)) {
            float[] alone = logits(windowed, new long[] {IDS[i]});
            float[] atPosition = java.util.Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
            assertArrayEquals(alone, atPosition, 1e-5f, "position " + i);
        }
    }
}
