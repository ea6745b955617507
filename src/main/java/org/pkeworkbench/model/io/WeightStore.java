package org.pkeworkbench.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only access to the weights of a Hugging Face model directory: either one
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}.
 *
 * <p>Opening reads and validates every header and keeps each file open for reading until
 * {@link #close()}; no tensor data is read before {@link #loadFloat32} or {@link #loadFloat16}. Nothing in the
 * directory is ever written. Arrays already loaded stay valid after {@code close()}, because a
 * memory mapping outlives the channel that created it. Loading is safe from several threads.
 */
public final class WeightStore implements AutoCloseable {

    static final String SINGLE_FILE_NAME = "model.safetensors";

    private static final Logger log = LoggerFactory.getLogger(WeightStore.class);

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<Path, FileChannel> channels;
    private volatile boolean closed;

    private WeightStore(Path directory, List<SafetensorsFile> files, Map<String, TensorInfo> tensors,
            Map<Path, FileChannel> channels) {
        this.directory = directory;
        this.files = List.copyOf(files);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.channels = channels;
    }

    /**
     * Opens the weights of the model in {@code modelDir}.
     *
     * @throws ModelFormatException when the directory has no safetensors weights, only pickle
     *     checkpoints, or files that fail validation
     * @throws IOException when a file cannot be read
     */
    public static WeightStore open(Path modelDir) throws IOException {
        long startNanos = System.nanoTime();
        if (!Files.isDirectory(modelDir)) {
            throw new ModelFormatException(modelDir, "not a directory",
                    "Pass the folder that contains config.json and the model's safetensors files");
        }

        Path single = modelDir.resolve(SINGLE_FILE_NAME);
        Path index = modelDir.resolve(ShardIndex.FILE_NAME);
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, TensorInfo> tensors = new TreeMap<>();
        if (Files.isRegularFile(single)) {
            if (Files.exists(index)) {
                log.info("{} has both {} and {}; reading {}", modelDir, SINGLE_FILE_NAME, ShardIndex.FILE_NAME,
                        SINGLE_FILE_NAME);
            }
            SafetensorsFile file = SafetensorsFile.read(single);
            files.add(file);
            tensors.putAll(file.tensors());
        } else if (Files.isRegularFile(index)) {
            readShards(modelDir, index, files, tensors);
        } else {
            throw noWeightsFound(modelDir);
        }

        Map<Path, FileChannel> channels = new LinkedHashMap<>();
        try {
            for (SafetensorsFile file : files) {
                channels.put(file.file(), FileChannel.open(file.file(), StandardOpenOption.READ));
            }
        } catch (IOException e) {
            closeAll(channels.values());
            throw e;
        }

        WeightStore store = new WeightStore(modelDir, files, tensors, channels);
        log.info("Opened {}: {} tensors in {} file(s), {} bytes, in {} ms", modelDir, tensors.size(), files.size(),
                store.totalBytes(), (System.nanoTime() - startNanos) / 1_000_000);
        return store;
    }

    /** Returns the model directory this store reads. */
    public Path directory() {
        return directory;
    }

    /** Returns the safetensors files that contain the weights, in the order they were read. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::file).toList();
    }

    /** Returns all tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Returns where a tensor is stored, or empty when the model has no tensor of that name. */
    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Sum of the stored tensor data in bytes, without headers. */
    public long totalBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::byteLength).sum();
    }

    /**
     * Loads a tensor as a FLOAT32 array of its stored shape, owned by {@code manager}.
     *
     * <p>F32 tensors are memory-mapped and wrapped without a copy, and must not be modified in
     * place: on the CPU the array is backed by a read-only mapping and an in-place operation
     * crashes the JVM. Use {@code array.duplicate()} for a writable copy. F16 and BF16 tensors are
     * widened to float32 in Java and are backed by ordinary memory.
     *
     * @throws ModelFormatException when the tensor does not exist or its dtype is not F32, F16 or BF16
     * @throws IllegalStateException after {@link #close()}
     */
    public NDArray loadFloat32(String name, NDManager manager) throws IOException {
        TensorInfo info = requireTensor(name);
        return Float32Loader.load(info, channels.get(info.file()), manager);
    }

    private TensorInfo requireTensor(String name) throws ModelFormatException {
        if (closed) {
            throw new IllegalStateException("WeightStore for " + directory + " is closed");
        }
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException(directory, "no tensor named \"" + name + "\" among the "
                    + tensors.size() + " stored tensors",
                    "Check that config.json describes the same architecture as the weights");
        }
        return info;
    }

    /**
     * Loads a tensor as a FLOAT16 array of its stored shape, owned by {@code manager}.
     *
     * <p>F16 tensors are memory-mapped and wrapped without a copy, with the same read-only rule as
     * {@link #loadFloat32}. F32 and BF16 tensors are narrowed to float16 in Java (round to
     * nearest, ties to even) and are backed by ordinary memory.
     *
     * @throws ModelFormatException when the tensor does not exist or its dtype is not F32, F16 or BF16
     * @throws IllegalStateException after {@link #close()}
     */
    public NDArray loadFloat16(String name, NDManager manager) throws IOException {
        TensorInfo info = requireTensor(name);
        return Float16Loader.load(info, channels.get(info.file()), manager);
    }

    /**
     * Computes a SHA-256 over every weight file, for reports: per file in name order, its file
     * name, a zero byte, then its bytes. Reads every byte, so it takes seconds per gigabyte.
     */
    public String sha256() throws IOException {
        long startNanos = System.nanoTime();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }

        List<Path> sorted = new ArrayList<>(files());
        sorted.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        for (Path file : sorted) {
            digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                while (channel.read(buffer.clear()) >= 0) {
                    digest.update(buffer.flip());
                }
            }
        }

        String hex = HexFormat.of().formatHex(digest.digest());
        log.info("SHA-256 of the weights in {} computed in {} ms", directory, (System.nanoTime() - startNanos) / 1_000_000);
        return hex;
    }

    /** Closes the files. Arrays loaded earlier stay valid. */
    @Override
    public void close() {
        closed = true;
        closeAll(channels.values());
    }

    private static void readShards(Path modelDir, Path index, List<SafetensorsFile> files,
            Map<String, TensorInfo> tensors) throws IOException {
        Map<String, Path> shardByTensor = ShardIndex.read(modelDir, index);

        Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
        for (Map.Entry<String, Path> entry : shardByTensor.entrySet()) {
            Path shard = entry.getValue();
            if (shards.containsKey(shard)) {
                continue;
            }
            if (!Files.isRegularFile(shard)) {
                throw new ModelFormatException(index,
                        "shard file " + shard.getFileName() + " (listed for tensor \"" + entry.getKey()
                                + "\") is missing from " + modelDir,
                        "Download every shard that the index lists into the model directory");
            }
            shards.put(shard, SafetensorsFile.read(shard));
        }

        Map<String, Path> ownerByTensor = new TreeMap<>();
        for (SafetensorsFile shard : shards.values()) {
            for (TensorInfo info : shard.tensors().values()) {
                Path previousOwner = ownerByTensor.putIfAbsent(info.name(), shard.file());
                if (previousOwner != null) {
                    throw new ModelFormatException(index,
                            "tensor \"" + info.name() + "\" is stored in both " + previousOwner.getFileName()
                                    + " and " + shard.file().getFileName(),
                            "Download the shards again; a model must store each tensor once");
                }
                if (!shardByTensor.containsKey(info.name())) {
                    log.warn("{}: tensor \"{}\" is in {} but not in the index; loading it anyway", index,
                            info.name(), shard.file().getFileName());
                }
                tensors.put(info.name(), info);
            }
        }

        for (Map.Entry<String, Path> entry : shardByTensor.entrySet()) {
            SafetensorsFile shard = shards.get(entry.getValue());
            if (!shard.tensors().containsKey(entry.getKey())) {
                throw new ModelFormatException(index,
                        "tensor \"" + entry.getKey() + "\" is listed for shard " + entry.getValue().getFileName()
                                + " but that shard does not contain it",
                        "The index and shards come from different versions; download them again together");
            }
        }
        files.addAll(shards.values());
    }

    private static ModelFormatException noWeightsFound(Path modelDir) throws IOException {
        List<String> pickles = new ArrayList<>();
        List<String> otherSafetensors = new ArrayList<>();
        try (Stream<Path> entries = Files.list(modelDir)) {
            entries.map(path -> path.getFileName().toString()).sorted().forEach(name -> {
                if (isPickleCheckpoint(name)) {
                    pickles.add(name);
                } else if (name.endsWith(".safetensors")) {
                    otherSafetensors.add(name);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }

        if (!pickles.isEmpty() && otherSafetensors.isEmpty()) {
            return new ModelFormatException(modelDir,
                    "the directory has only PyTorch pickle checkpoints " + pickles + ", no safetensors weights. "
                            + "Loading a pickle file can run arbitrary code, so PKE Workbench does not read them",
                    "Convert the model once, in Python, in an environment you trust: "
                            + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out_dir, "
                            + "safe_serialization=True) from transformers writes model.safetensors");
        }
        if (!otherSafetensors.isEmpty()) {
            return new ModelFormatException(modelDir,
                    "no " + SINGLE_FILE_NAME + " or " + ShardIndex.FILE_NAME + " found, only " + otherSafetensors,
                    "Use the Hugging Face layout: rename a single weight file to " + SINGLE_FILE_NAME
                            + ", or add the index that lists the shards");
        }
        return new ModelFormatException(modelDir,
                "no " + SINGLE_FILE_NAME + " or " + ShardIndex.FILE_NAME + " found",
                "Pass a Hugging Face model directory that contains safetensors weights");
    }

    static boolean isPickleCheckpoint(String fileName) {
        return fileName.endsWith(".bin") || fileName.endsWith(".pt") || fileName.endsWith(".pth")
                || fileName.endsWith(".ckpt");
    }

    private static void closeAll(Iterable<FileChannel> channels) {
        for (FileChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("Failed to close a weight file: {}", e.toString());
            }
        }
    }
}
