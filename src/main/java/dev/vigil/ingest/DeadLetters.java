package dev.vigil.ingest;

import dev.vigil.kafka.RecordSize;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead letters (documented in {@code schemas/dead-letter.schema.json}): the original key,
 * value and headers as they were, plus Vigil's error and source headers. When the whole would be
 * larger than the producer may send, the dead letter carries a prefix instead, and headers give
 * the original size and SHA-256 of what was cut and name it in {@link #TRUNCATED}: the value
 * first; then the key; then the original headers are left out.
 */
public final class DeadLetters {
    public static final String ERROR_CLASS = "vigil.error.class";
    public static final String ERROR_REASON = "vigil.error.reason";
    public static final String SOURCE_TOPIC = "vigil.source.topic";
    public static final String SOURCE_PARTITION = "vigil.source.partition";
    public static final String SOURCE_OFFSET = "vigil.source.offset";
    public static final String SOURCE_TIMESTAMP = "vigil.source.timestamp";
    /** Which parts of the original were cut to fit the producer's limit: {@code value}, {@code key,value} or {@code key,value,headers}. */
    public static final String TRUNCATED = "vigil.truncated";
    public static final String ORIGINAL_VALUE_BYTES = "vigil.original.value.bytes";
    public static final String ORIGINAL_VALUE_SHA256 = "vigil.original.value.sha256";
    public static final String ORIGINAL_KEY_BYTES = "vigil.original.key.bytes";
    public static final String ORIGINAL_KEY_SHA256 = "vigil.original.key.sha256";
    public static final String ORIGINAL_HEADERS_COUNT = "vigil.original.headers.count";

    private static final int SHA256_HEX = 64;

    /** A dead letter ready to send; {@code truncated} says whether anything of the original was cut. */
    public record DeadLetter(byte[] key, byte[] value, Headers headers, boolean truncated) implements IngestOutput {
    }

    /** What is cut, in the order tried. */
    private enum Cut {
        VALUE(false, false), KEY_AND_VALUE(true, false), EVERYTHING(true, true);

        final boolean key;
        final boolean headers;

        Cut(boolean key, boolean headers) {
            this.key = key;
            this.headers = headers;
        }
    }

    private DeadLetters() {
    }

    /** A copy of {@code original} with the error and source headers added. */
    public static Headers headers(Headers original, ErrorClass errorClass, String reason,
                                  String topic, int partition, long offset, long timestamp) {
        Headers headers = new RecordHeaders(original == null ? null : original.toArray());
        vigilHeaders(errorClass, reason, topic, partition, offset, timestamp).forEach(headers::add);
        return headers;
    }

    /**
     * The dead letter of an input record, whole when {@link RecordSize#upperBound} of it is at most
     * {@code maxBytes} (the producer's {@code max.request.size}), otherwise cut to fit.
     */
    public static DeadLetter deadLetter(byte[] key, byte[] value, Headers original, ErrorClass errorClass, String reason,
                                        String topic, int partition, long offset, long timestamp, int maxBytes) {
        Header[] originals = original == null ? new Header[0] : original.toArray();
        List<Header> vigil = vigilHeaders(errorClass, reason, topic, partition, offset, timestamp);
        Headers whole = new RecordHeaders(originals);
        vigil.forEach(whole::add);
        if (RecordSize.upperBound(key, value, whole) <= maxBytes) {
            return new DeadLetter(key, value, whole, false);
        }
        for (Cut cut : Cut.values()) {
            DeadLetter d = cut(key, value, originals, vigil, cut, maxBytes);
            if (d != null) {
                return d;
            }
        }
        // Only when maxBytes cannot even hold Vigil's own headers: send the smallest; the production handler counts a refusal.
        return cut(key, value, originals, vigil, Cut.EVERYTHING, Integer.MAX_VALUE);
    }

    /** The dead letter with {@code cut} applied, or null when even that does not fit. */
    private static DeadLetter cut(byte[] key, byte[] value, Header[] originals, List<Header> vigil, Cut cut, int maxBytes) {
        // Room is reserved for every truncation header this cut may add; only those of parts actually cut are written.
        int reserved = truncationHeadersBound(key, value, cut);
        Headers kept = new RecordHeaders(cut.headers ? new Header[0] : originals);
        vigil.forEach(kept::add);
        long room = (long) maxBytes - reserved - RecordSize.upperBound(cut.key ? null : key, null, kept);
        if (room < 0) {
            return null;
        }
        byte[] valuePrefix = prefix(value, room);
        room -= length(valuePrefix);
        byte[] keyPrefix = cut.key ? prefix(key, room) : key;

        List<String> parts = new ArrayList<>();
        if (cut.key && key != null && keyPrefix.length < key.length) {
            parts.add("key");
            kept.add(ORIGINAL_KEY_BYTES, utf8(Integer.toString(key.length)));
            kept.add(ORIGINAL_KEY_SHA256, utf8(RecordSize.sha256(key)));
        }
        if (value != null && valuePrefix.length < value.length) {
            parts.add("value");
            kept.add(ORIGINAL_VALUE_BYTES, utf8(Integer.toString(value.length)));
            kept.add(ORIGINAL_VALUE_SHA256, utf8(RecordSize.sha256(value)));
        }
        if (cut.headers && originals.length > 0) {
            parts.add("headers");
            kept.add(ORIGINAL_HEADERS_COUNT, utf8(Integer.toString(originals.length)));
        }
        kept.add(TRUNCATED, utf8(String.join(",", parts)));
        return new DeadLetter(keyPrefix, valuePrefix, kept, true);
    }

    private static int truncationHeadersBound(byte[] key, byte[] value, Cut cut) {
        int size = RecordSize.header(TRUNCATED, utf8("key,value,headers"));
        if (value != null) {
            size += RecordSize.header(ORIGINAL_VALUE_BYTES, utf8(Integer.toString(value.length)))
                    + RecordSize.header(ORIGINAL_VALUE_SHA256, new byte[SHA256_HEX]);
        }
        if (cut.key && key != null) {
            size += RecordSize.header(ORIGINAL_KEY_BYTES, utf8(Integer.toString(key.length)))
                    + RecordSize.header(ORIGINAL_KEY_SHA256, new byte[SHA256_HEX]);
        }
        if (cut.headers) {
            size += RecordSize.header(ORIGINAL_HEADERS_COUNT, utf8(Integer.toString(Integer.MAX_VALUE)));
        }
        return size;
    }

    private static List<Header> vigilHeaders(ErrorClass errorClass, String reason, String topic, int partition,
                                             long offset, long timestamp) {
        return List.of(
                new RecordHeader(ERROR_CLASS, utf8(errorClass.label())),
                new RecordHeader(ERROR_REASON, utf8(reason)),
                new RecordHeader(SOURCE_TOPIC, utf8(topic)),
                new RecordHeader(SOURCE_PARTITION, utf8(Integer.toString(partition))),
                new RecordHeader(SOURCE_OFFSET, utf8(Long.toString(offset))),
                new RecordHeader(SOURCE_TIMESTAMP, utf8(Long.toString(timestamp))));
    }

    private static byte[] prefix(byte[] bytes, long room) {
        if (bytes == null || bytes.length <= room) {
            return bytes;
        }
        return Arrays.copyOf(bytes, (int) Math.max(0, room));
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
