package dev.vigil.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * An upper bound of the size the producer gives a record when it checks {@code max.request.size}
 * (one record alone in an uncompressed batch, as the producer estimates it), so that Vigil can
 * size an output before sending it instead of having the send refused. Computed here rather
 * than with Kafka's own estimate, which is internal API in Kafka 4.x; a test holds this bound at
 * or above Kafka's.
 */
public final class RecordSize {

    /** A record batch's header, log overhead included (Kafka's {@code RECORD_BATCH_OVERHEAD}). */
    static final int BATCH_OVERHEAD = 61;
    /** Length, attributes, timestamp delta and offset delta of one record, each at its widest. */
    static final int RECORD_OVERHEAD = 5 + 1 + 10 + 5;
    /** The widest varint of a length or a count. */
    private static final int LENGTH = 5;

    private RecordSize() {
    }

    /** At least as many bytes as the producer counts for this record against {@code max.request.size}. */
    public static int upperBound(byte[] key, byte[] value, Headers headers) {
        long size = BATCH_OVERHEAD + RECORD_OVERHEAD + LENGTH + length(key) + LENGTH + length(value) + LENGTH;
        if (headers != null) {
            for (Header h : headers) {
                size += header(h.key(), h.value());
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /** The bytes one header adds at most. */
    public static int header(String key, byte[] value) {
        return LENGTH + key.getBytes(StandardCharsets.UTF_8).length + LENGTH + length(value);
    }

    /** Lower-case hex SHA-256 of {@code bytes}: what an output cut to fit says about the original. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
