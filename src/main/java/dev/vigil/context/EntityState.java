package dev.vigil.context;

import dev.vigil.kafka.LengthPrefixed;
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
    /** Source ({@link #sourceKey}) -> last applied offset. */
    SourceTable appliedOffsets = new SourceTable();
    /** Where the last applied record was read; kept as parts so that no id string is built per record. */
    String lastTopic;
    int lastPartition = -1;
    long lastOffset = -1;
    /** Event time at which the entity was declared silent, or Long.MIN_VALUE when it is not. */
    long silentSince = Long.MIN_VALUE;

    EntityState(int numeric, int features, int categorical) {
        this(new double[numeric], new double[numeric], new double[numeric], new double[features], new double[categorical]);
        Arrays.fill(step, Double.POSITIVE_INFINITY);
        Arrays.fill(last, Double.NaN);
        Arrays.fill(beforeLast, Double.NaN);
    }

    private EntityState(double[] mean, double[] variance, double[] step, double[] last, double[] beforeLast) {
        this.mean = mean;
        this.variance = variance;
        this.step = step;
        this.last = last;
        this.beforeLast = beforeLast;
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
        return appliedOffsets.get(source, -1);
    }

    /** Records that the record at {@code topic}, {@code partition} ({@code source}), {@code offset} was applied. */
    void applied(long source, String topic, int partition, long offset) {
        lastTopic = topic;
        lastPartition = partition;
        lastOffset = offset;
        appliedOffsets.put(source, offset);
    }

    public int sizeBytes() {
        return sizeBytes(topicBytes());
    }

    private int sizeBytes(byte[] topic) {
        return 1 + 8 + 4 + 8 + 8 + 8 + 8 + 8
                + LengthPrefixed.size(mean) + LengthPrefixed.size(variance) + LengthPrefixed.size(step)
                + LengthPrefixed.size(last) + LengthPrefixed.size(beforeLast)
                + appliedOffsets.sizeBytes() + LengthPrefixed.size(topic) + 4 + 8;
    }

    private byte[] topicBytes() {
        return lastTopic == null ? null : lastTopic.getBytes(StandardCharsets.UTF_8);
    }

    public byte[] toBytes() {
        byte[] topic = topicBytes();
        ByteBuffer b = ByteBuffer.allocate(sizeBytes(topic));
        b.put(FORMAT).putLong(count).putInt(run).putLong(lastEventTime).putDouble(logGapMean).putDouble(logGapDeviation)
                .putLong(gapCount).putLong(silentSince);
        for (double[] values : new double[][] {mean, variance, step, last, beforeLast}) {
            LengthPrefixed.putDoubles(b, values);
        }
        appliedOffsets.write(b);
        LengthPrefixed.put(b, topic);
        b.putInt(lastPartition).putLong(lastOffset);
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
        EntityState s = new EntityState(LengthPrefixed.getDoubles(b), LengthPrefixed.getDoubles(b), LengthPrefixed.getDoubles(b),
                LengthPrefixed.getDoubles(b), LengthPrefixed.getDoubles(b));
        s.count = count;
        s.run = run;
        s.lastEventTime = lastEventTime;
        s.logGapMean = logGapMean;
        s.logGapDeviation = logGapDeviation;
        s.gapCount = gapCount;
        s.silentSince = silentSince;
        s.appliedOffsets = SourceTable.read(b);
        byte[] topic = LengthPrefixed.get(b);
        s.lastTopic = topic == null ? null : new String(topic, StandardCharsets.UTF_8);
        s.lastPartition = b.getInt();
        s.lastOffset = b.getLong();
        return s;
    }
}
