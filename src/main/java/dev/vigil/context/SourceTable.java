package dev.vigil.context;

import java.util.Arrays;

/**
 * A long for each of a few sources ({@link EntityState#sourceKey}: an input topic and partition),
 * in parallel arrays: an entity or a task reads from few partitions, and a scan of a handful of
 * longs costs less on the stream thread than a map's boxing.
 */
final class SourceTable {

    private long[] sources;
    private long[] values;

    SourceTable() {
        this(new long[0], new long[0]);
    }

    private SourceTable(long[] sources, long[] values) {
        this.sources = sources;
        this.values = values;
    }

    /** The value of {@code source}, or {@code absent} when it has none. */
    long get(long source, long absent) {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                return values[i];
            }
        }
        return absent;
    }

    void put(long source, long value) {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                values[i] = value;
                return;
            }
        }
        sources = Arrays.copyOf(sources, sources.length + 1);
        values = Arrays.copyOf(values, values.length + 1);
        sources[sources.length - 1] = source;
        values[values.length - 1] = value;
    }

    /** Bytes {@link #write} takes. */
    int sizeBytes() {
        return 4 + 16 * sources.length;
    }

    /** A count, then each source and its value. */
    void write(java.nio.ByteBuffer b) {
        b.putInt(sources.length);
        for (int i = 0; i < sources.length; i++) {
            b.putLong(sources[i]).putLong(values[i]);
        }
    }

    static SourceTable read(java.nio.ByteBuffer b) {
        int n = b.getInt();
        long[] sources = new long[n];
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            sources[i] = b.getLong();
            values[i] = b.getLong();
        }
        return new SourceTable(sources, values);
    }
}
