package dev.vigil.score;

import dev.vigil.kafka.LengthPrefixed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A parsed record waiting in the micro-batch buffer, with everything its outputs need, in the
 * compact binary form kept in the changelogged buffer store.
 *
 * @param sequence  arrival order within the task; restores the order after a crash
 */
public record BufferedRecord(long sequence, SourceId source, long timestamp, String entity, long eventTime,
                             double[] features, byte[] key, byte[] value) {

    private static final byte FORMAT = 1;

    // A ByteBuffer, not DataOutputStream: this runs once per input record on the stream thread.
    public byte[] toBytes() {
        byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
        byte[] entityBytes = entity == null ? null : entity.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + LengthPrefixed.size(topic) + 4 + 8 + 8 + LengthPrefixed.size(entityBytes) + 8
                + LengthPrefixed.size(features) + LengthPrefixed.size(key) + LengthPrefixed.size(value));
        b.put(FORMAT).putLong(sequence);
        LengthPrefixed.put(b, topic);
        b.putInt(source.partition()).putLong(source.offset()).putLong(timestamp);
        LengthPrefixed.put(b, entityBytes);
        b.putLong(eventTime);
        LengthPrefixed.putDoubles(b, features);
        LengthPrefixed.put(b, key);
        LengthPrefixed.put(b, value);
        return b.array();
    }

    public static BufferedRecord fromBytes(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalStateException("buffered record of unknown format " + format);
        }
        long sequence = b.getLong();
        SourceId source = new SourceId(new String(LengthPrefixed.get(b), StandardCharsets.UTF_8), b.getInt(), b.getLong());
        long timestamp = b.getLong();
        byte[] entityBytes = LengthPrefixed.get(b);
        long eventTime = b.getLong();
        double[] features = LengthPrefixed.getDoubles(b);
        return new BufferedRecord(sequence, source, timestamp, entityBytes == null ? null : new String(entityBytes, StandardCharsets.UTF_8),
                eventTime, features, LengthPrefixed.get(b), LengthPrefixed.get(b));
    }
}
