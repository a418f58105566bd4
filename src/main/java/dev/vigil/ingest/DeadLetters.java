package dev.vigil.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers Vigil adds to a dead letter (documented in {@code schemas/dead-letter.schema.json}).
 * The original key, value and headers are kept as they were.
 */
public final class DeadLetters {
    public static final String ERROR_CLASS = "vigil.error.class";
    public static final String ERROR_REASON = "vigil.error.reason";
    public static final String SOURCE_TOPIC = "vigil.source.topic";
    public static final String SOURCE_PARTITION = "vigil.source.partition";
    public static final String SOURCE_OFFSET = "vigil.source.offset";
    public static final String SOURCE_TIMESTAMP = "vigil.source.timestamp";

    private DeadLetters() {
    }

    /** A copy of {@code original} with the error and source headers added. */
    public static Headers headers(Headers original, ErrorClass errorClass, String reason,
                                  String topic, int partition, long offset, long timestamp) {
        Headers headers = new RecordHeaders(original == null ? null : original.toArray());
        headers.add(ERROR_CLASS, utf8(errorClass.label()));
        headers.add(ERROR_REASON, utf8(reason));
        headers.add(SOURCE_TOPIC, utf8(topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(SOURCE_TIMESTAMP, utf8(Long.toString(timestamp)));
        return headers;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
