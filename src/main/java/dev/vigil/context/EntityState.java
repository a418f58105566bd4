package dev.vigil.context;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What Vigil remembers of one entity's recent records: the compact summary its context features
 * are derived from. Mutable, updated by {@link ContextFeatures#apply}; {@link #toBytes()} is the
 * state store's value (about 8 bytes per numeric feature more than twice, see {@link #sizeBytes()}).
 *
 * <p>Fields: how many records were seen; per numeric feature an exponentially weighted mean and
 * variance; the last record's values and the one before for each categorical feature; how many
 * records in a row were identical; the event time of the last record and the entity's usual gap
 * (an exponentially weighted mean of the log gap and of its absolute deviation); the source
 * position last applied for each input partition, so a replayed record does not update twice;
 * and where the last record was read, from which a silence alert's id is derived.
 */
public final class EntityState {

    private static final byte FORMAT = 1;

    long count;
    int run;
    long lastEventTime = Long.MIN_VALUE;
    /** Exponentially weighted mean of log(gap ms) and of its absolute deviation; NaN until two records. */
    double logGapMean = Double.NaN;
    double logGapDeviation = Double.NaN;
    long gapCount;
    final double[] mean;
    final double[] variance;
    /** Per numeric feature, the smallest non-zero change seen between two records; +inf until one. */
    final double[] step;
    final double[] last;
    final double[] beforeLast;
    /** Source ({@link #sourceKey}) -> last applied offset, as parallel arrays (an entity reads from few partitions). */
    long[] sources = new long[0];
    long[] offsets = new long[0];
    /** Where the last applied record was read; kept as parts so that no id string is built per record. */
    String lastTopic;
    int lastPartition = -1;
    long lastOffset = -1;
    /** Event time at which the entity was declared silent, or Long.MIN_VALUE when it is not. */
    long silentSince = Long.MIN_VALUE;

    EntityState(int numeric, int features, int categorical) {
        mean = new double[numeric];
        variance = new double[numeric];
        step = new double[numeric];
        Arrays.fill(step, Double.POSITIVE_INFINITY);
        last = new double[features];
        beforeLast = new double[categorical];
        Arrays.fill(last, Double.NaN);
        Arrays.fill(beforeLast, Double.NaN);
    }

    public long count() {
        return count;
    }

    public long lastEventTime() {
        return lastEventTime;
    }

    /** {@code topic:partition:offset} of the last record applied, or null before one. */
    public String lastSourceId() {
        return lastTopic == null ? null : lastTopic + ':' + lastPartition + ':' + lastOffset;
    }

    /** The {@link #sourceKey} of the partition the last record applied was read from. */
    long lastSource() {
        return sourceKey(lastTopic, lastPartition);
    }

    /** The entity's usual gap between records in ms (the exponential of its mean log gap), or NaN before two records. */
    public double usualGapMillis() {
        return Math.exp(logGapMean);
    }

    /** Gaps an entity must have shown before it can count as reporting at a rhythm. */
    public static final int RHYTHM_MIN_GAPS = 16;
    /**
     * Largest typical deviation of the log gap of an entity with a rhythm: 0.3, gaps mostly within
     * about a third of the usual one. An entity whose gaps are random (a host picked at random for
     * each record, log-gap deviation about 1) never comes near it, so it never pages for silence.
     */
    public static final double RHYTHM_MAX_LOG_DEVIATION = 0.3;

    /** {@link #hasRhythm(long, double)} with {@link #RHYTHM_MIN_GAPS} and {@link #RHYTHM_MAX_LOG_DEVIATION}. */
    public boolean hasRhythm() {
        return hasRhythm(RHYTHM_MIN_GAPS, RHYTHM_MAX_LOG_DEVIATION);
    }

    /**
     * Whether the entity reports at a rhythm: at least {@code minGaps} gaps seen, and a typical
     * deviation of the log gap at most {@code maxLogDeviation}.
     */
    public boolean hasRhythm(long minGaps, double maxLogDeviation) {
        return gapCount >= minGaps && logGapDeviation <= maxLogDeviation;
    }

    public boolean silent() {
        return silentSince != Long.MIN_VALUE;
    }

    public void markSilent(long at) {
        silentSince = at;
    }

    /** The entity reported again after {@link #markSilent}. */
    public void clearSilent() {
        silentSince = Long.MIN_VALUE;
    }

    /**
     * One key per input (topic, partition): the topic's hash in the high half, the partition in the
     * low half. Two input topics share keys only if their names hash alike, one chance in 2^32 per pair.
     */
    static long sourceKey(String topic, int partition) {
        return ((long) topic.hashCode() << 32) | (partition & 0xFFFFFFFFL);
    }

    /** Offset last applied from {@code source} ({@link #sourceKey}), or -1. */
    long appliedOffset(long source) {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                return offsets[i];
            }
        }
        return -1;
    }

    /** Records that the record at {@code topic}, {@code partition} ({@code source}), {@code offset} was applied. */
    void applied(long source, String topic, int partition, long offset) {
        lastTopic = topic;
        lastPartition = partition;
        lastOffset = offset;
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                offsets[i] = offset;
                return;
            }
        }
        sources = Arrays.copyOf(sources, sources.length + 1);
        offsets = Arrays.copyOf(offsets, offsets.length + 1);
        sources[sources.length - 1] = source;
        offsets[offsets.length - 1] = offset;
    }

    public int sizeBytes() {
        return sizeBytes(topicBytes());
    }

    private int sizeBytes(byte[] topic) {
        return 1 + 8 + 4 + 8 + 8 + 8 + 8 + 8
                + 4 + 8 * (mean.length + variance.length + step.length) + 4 + 8 * last.length + 4 + 8 * beforeLast.length
                + 4 + 16 * sources.length + 4 + topic.length + 4 + 8;
    }

    private byte[] topicBytes() {
        return lastTopic == null ? new byte[0] : lastTopic.getBytes(StandardCharsets.UTF_8);
    }

    public byte[] toBytes() {
        byte[] topic = topicBytes();
        ByteBuffer b = ByteBuffer.allocate(sizeBytes(topic));
        b.put(FORMAT).putLong(count).putInt(run).putLong(lastEventTime).putDouble(logGapMean).putDouble(logGapDeviation)
                .putLong(gapCount).putLong(silentSince);
        putArray(b, mean);
        for (double v : variance) {
            b.putDouble(v);
        }
        for (double v : step) {
            b.putDouble(v);
        }
        putArray(b, last);
        putArray(b, beforeLast);
        b.putInt(sources.length);
        for (int i = 0; i < sources.length; i++) {
            b.putLong(sources[i]).putLong(offsets[i]);
        }
        b.putInt(lastTopic == null ? -1 : topic.length).put(topic).putInt(lastPartition).putLong(lastOffset);
        return b.array();
    }

    public static EntityState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.get() != FORMAT) {
            throw new IllegalArgumentException("unknown entity state format " + bytes[0]);
        }
        long count = b.getLong();
        int run = b.getInt();
        long lastEventTime = b.getLong();
        double logGapMean = b.getDouble();
        double logGapDeviation = b.getDouble();
        long gapCount = b.getLong();
        long silentSince = b.getLong();
        double[] mean = getArray(b);
        double[] variance = new double[mean.length];
        for (int i = 0; i < variance.length; i++) {
            variance[i] = b.getDouble();
        }
        double[] step = new double[mean.length];
        for (int i = 0; i < step.length; i++) {
            step[i] = b.getDouble();
        }
        double[] last = getArray(b);
        double[] beforeLast = getArray(b);
        EntityState s = new EntityState(mean.length, last.length, beforeLast.length);
        s.count = count;
        s.run = run;
        s.lastEventTime = lastEventTime;
        s.logGapMean = logGapMean;
        s.logGapDeviation = logGapDeviation;
        s.gapCount = gapCount;
        s.silentSince = silentSince;
        System.arraycopy(mean, 0, s.mean, 0, mean.length);
        System.arraycopy(variance, 0, s.variance, 0, variance.length);
        System.arraycopy(step, 0, s.step, 0, step.length);
        System.arraycopy(last, 0, s.last, 0, last.length);
        System.arraycopy(beforeLast, 0, s.beforeLast, 0, beforeLast.length);
        int k = b.getInt();
        s.sources = new long[k];
        s.offsets = new long[k];
        for (int i = 0; i < k; i++) {
            s.sources[i] = b.getLong();
            s.offsets[i] = b.getLong();
        }
        int topicLength = b.getInt();
        if (topicLength >= 0) {
            byte[] topic = new byte[topicLength];
            b.get(topic);
            s.lastTopic = new String(topic, StandardCharsets.UTF_8);
        }
        s.lastPartition = b.getInt();
        s.lastOffset = b.getLong();
        return s;
    }

    private static void putArray(ByteBuffer b, double[] values) {
        b.putInt(values.length);
        for (double v : values) {
            b.putDouble(v);
        }
    }

    private static double[] getArray(ByteBuffer b) {
        double[] values = new double[b.getInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = b.getDouble();
        }
        return values;
    }
}
