package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.testing.SharedFiles;

/** Checks the real pretrained stories260K against its float64 reference outputs. */
class Stories260KTest {

    private static JsonNode reference() throws IOException {
        return new ObjectMapper().readTree(SharedFiles.stories260K().resolve("reference_outputs.json").toFile());
    }

    private static long[] ids(JsonNode node) {
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asLong();
        }
        return out;
    }

    @Test
    void greedyFromBosMatchesReferenceIds() throws IOException {
        long[] expected = ids(reference().get("greedy_from_bos_ids"));
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            long[] generated = new Generator(model).generate(new long[] {1},
                    SamplingSettings.greedy(expected.length - 1, List.of()));
            assertArrayEquals(Arrays.copyOfRange(expected, 1, expected.length), generated);
        }
    }

    @Test
    void topLogitsMatchReference() throws IOException {
        JsonNode reference = reference();
        long[] input = ids(reference.get("logits_input_ids"));
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            float[] logits = model.forward(scope, scope.create(input).reshape(1, input.length), ForwardOptions.create())
                    .logits().toFloatArray();
            int vocab = model.config().vocabSize();
            JsonNode first8 = reference.get("logits_pos0_first8");
            for (int i = 0; i < 8; i++) {
                assertEquals(first8.get(i).asDouble(), logits[i], 1e-4, "position 0 logit " + i);
            }
            JsonNode top5 = reference.get("logits_top5_per_position");
            for (int position = 0; position < top5.size(); position++) {
                for (JsonNode pair : top5.get(position)) {
                    int token = pair.get(0).asInt();
                    assertEquals(pair.get(1).asDouble(), logits[position * vocab + token], 1e-4,
                            "position " + position + " token " + token);
                }
            }
        }
    }
}
