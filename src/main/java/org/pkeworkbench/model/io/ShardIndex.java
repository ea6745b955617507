package org.pkeworkbench.model.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code weight_map} of a {@code model.safetensors.index.json}: which shard file contains each
 * tensor. Shard names must be plain relative paths inside the model directory.
 */
final class ShardIndex {

    static final String FILE_NAME = "model.safetensors.index.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final String FIX_INDEX =
            "Download the index again or fix its \"weight_map\" so it maps tensor names to shard file names";

    private ShardIndex() {}

    /**
     * Reads the index and returns, per tensor name, the shard file it names, resolved inside
     * {@code modelDir}. Shard files are not opened here.
     *
     * @throws ModelFormatException when the index is malformed or a shard name is unsafe
     */
    static Map<String, Path> read(Path modelDir, Path indexFile) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(indexFile.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(indexFile,
                    "index is not valid JSON (" + e.getOriginalMessage() + ")", FIX_INDEX, e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(indexFile, "index is not a JSON object", FIX_INDEX);
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new ModelFormatException(indexFile, "index has no \"weight_map\" object", FIX_INDEX);
        }
        if (weightMap.isEmpty()) {
            throw new ModelFormatException(indexFile, "index has an empty \"weight_map\"", FIX_INDEX);
        }

        Map<String, Path> shardByTensor = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> entries = weightMap.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (!entry.getValue().isTextual()) {
                throw new ModelFormatException(indexFile,
                        "\"weight_map\" value for tensor \"" + entry.getKey() + "\" is " + entry.getValue()
                                + ", expected a shard file name",
                        FIX_INDEX);
            }
            shardByTensor.put(entry.getKey(), resolveShard(modelDir, indexFile, entry.getValue().asText()));
        }
        return shardByTensor;
    }

    /**
     * Resolves a shard name inside the model directory, rejecting absolute paths and {@code ..}.
     *
     * <p>NOTE: the check is on the path's text, so a shard that is a symbolic link to a file
     * elsewhere is accepted. The Hugging Face hub cache stores every snapshot file as such a link.
     */
    static Path resolveShard(Path modelDir, Path indexFile, String shardName) throws ModelFormatException {
        String rejection = null;
        if (shardName.isEmpty()) {
            rejection = "an empty shard name";
        } else if (shardName.startsWith("/") || shardName.startsWith("\\") || shardName.matches("^[A-Za-z]:.*")) {
            rejection = "absolute shard path \"" + shardName + "\"";
        } else {
            for (String part : shardName.split("[/\\\\]")) {
                if (part.equals("..")) {
                    rejection = "shard path \"" + shardName + "\" with a \"..\" component";
                }
            }
        }

        Path resolved = null;
        if (rejection == null) {
            try {
                Path relative = Path.of(shardName);
                Path directory = modelDir.toAbsolutePath().normalize();
                resolved = directory.resolve(relative).normalize();
                if (relative.isAbsolute() || !resolved.startsWith(directory) || resolved.equals(directory)) {
                    rejection = "shard path \"" + shardName + "\" that resolves outside the model directory";
                }
            } catch (InvalidPathException e) {
                rejection = "invalid shard path \"" + shardName + "\"";
            }
        }

        if (rejection != null) {
            throw new ModelFormatException(indexFile,
                    "index names " + rejection + "; shards must be file names inside " + modelDir,
                    "Loading stopped without reading anything outside the model directory; check where this model came from and fix the index");
        }
        return resolved;
    }
}
