package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A quick identity check of a Hugging Face model directory, so a session can tell whether a
 * directory contains the model it was saved with.
 *
 * <p>The value is a SHA-256 over the bytes of {@code config.json}, then, for every
 * {@code *.safetensors} file in name order: the file name, its size in bytes, its safetensors
 * header (the 8-byte length and the JSON tensor table), and up to {@link #SAMPLE_BYTES} from
 * the start and from the end of its tensor data. The sampled data distinguishes two checkpoints
 * of the same architecture, such as a model and its fine-tune, without reading gigabytes.
 * Modification times are left out on purpose, so a copied or moved model still matches.
 *
 * <p>NOTE: a change confined to the unsampled middle of a weight file is not detected.
 */
public record ModelFingerprint(String method, String value) {

    /** The {@link #method()} of fingerprints computed by this class. */
    public static final String METHOD = "sha256:config+safetensors-headers+sampled-data";

    /** Bytes of tensor data hashed at each end of each weight file. */
    static final int SAMPLE_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(ModelFingerprint.class);

    /**
     * Computes the fingerprint of the model in {@code directory}.
     *
     * @throws IOException when {@code config.json} or every weight file is missing, or a weight
     *     file's header is invalid
     */
    public static ModelFingerprint of(Path directory) throws IOException {
        long started = System.nanoTime();
        Path config = directory.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new IOException(directory + " has no config.json, so it is not a Hugging Face model directory. "
                    + "Choose the directory that contains config.json and the .safetensors weights");
        }
        List<Path> weights = weightFiles(directory);
        if (weights.isEmpty()) {
            throw new IOException(directory + " has no .safetensors weight files. Choose the directory that "
                    + "contains config.json and the .safetensors weights");
        }

        MessageDigest digest = sha256();
        digest.update(Files.readAllBytes(config));
        for (Path file : weights) {
            digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            hashWeightFile(file, digest);
        }
        ModelFingerprint fingerprint = new ModelFingerprint(METHOD, HexFormat.of().formatHex(digest.digest()));
        LOG.info("Fingerprint of {} ({} weight files) computed in {} ms", directory, weights.size(),
                (System.nanoTime() - started) / 1_000_000);
        return fingerprint;
    }

    private static List<Path> weightFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".safetensors"))
                    .filter(Files::isRegularFile)
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
    }

    /** Hashes the size, the header and the two data samples of one safetensors file. */
    private static void hashWeightFile(Path file, MessageDigest digest) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(0, size));

            ByteBuffer lengthBytes = readFully(channel, 0, Long.BYTES, file);
            long headerLength = lengthBytes.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long dataStart = Long.BYTES + headerLength;
            if (headerLength <= 0 || dataStart > size || headerLength > Integer.MAX_VALUE) {
                throw new IOException(file + ": invalid safetensors header length " + headerLength + " in a file of "
                        + size + " bytes. The file is damaged; copy the model again");
            }
            digest.update(lengthBytes.rewind());
            digest.update(readFully(channel, Long.BYTES, (int) headerLength, file));

            long dataLength = size - dataStart;
            int sample = (int) Math.min(SAMPLE_BYTES, dataLength);
            digest.update(readFully(channel, dataStart, sample, file));
            digest.update(readFully(channel, size - sample, sample, file));
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException(file + " ends before byte " + (position + length) + ". The file is damaged; "
                        + "copy the model again");
            }
        }
        return buffer.flip();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }
}
