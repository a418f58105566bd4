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
 * and the source id of the last record, from which a silence alert's id is derived.
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
    /** Source partition -> last applied offset, as parallel arrays (an entity reads from few partitions). */
    int[] partitions = new int[0];
    long[] offsets = new long[0];
    String lastSourceId;
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

    public String lastSourceId() {
        return lastSourceId;
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

    /** Offset last applied from {@code partition}, or -1. */
    long appliedOffset(int partition) {
        for (int i = 0; i < partitions.length; i++) {
            if (partitions[i] == partition) {
                return offsets[i];
            }
        }
        return -1;
    }

    void applied(int partition, long offset) {
        for (int i = 0; i < partitions.length; i++) {
            if (partitions[i] == partition) {
                offsets[i] = offset;
                return;
            }
        }
        partitions = Arrays.copyOf(partitions, partitions.length + 1);
        offsets = Arrays.copyOf(offsets, offsets.length + 1);
        partitions[partitions.length - 1] = partition;
        offsets[offsets.length - 1] = offset;
    }

    public int sizeBytes() {
        byte[] id = lastSourceId == null ? new byte[0] : lastSourceId.getBytes(StandardCharsets.UTF_8);
        return 1 + 8 + 4 + 8 + 8 + 8 + 8 + 8
                + 4 + 8 * (mean.length + variance.length + step.length) + 4 + 8 * last.length + 4 + 8 * beforeLast.length
                + 4 + 12 * partitions.length + 4 + id.length;
    }

    public byte[] toBytes() {
        byte[] id = lastSourceId == null ? new byte[0] : lastSourceId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(sizeBytes());
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
        b.putInt(partitions.length);
        for (int i = 0; i < partitions.length; i++) {
            b.putInt(partitions[i]).putLong(offsets[i]);
        }
        b.putInt(lastSourceId == null ? -1 : id.length).put(id);
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
        s.partitions = new int[k];
        s.offsets = new long[k];
        for (int i = 0; i < k; i++) {
            s.partitions[i] = b.getInt();
            s.offsets[i] = b.getLong();
        }
        int idLength = b.getInt();
        if (idLength >= 0) {
            byte[] id = new byte[idLength];
            b.get(id);
            s.lastSourceId = new String(id, StandardCharsets.UTF_8);
        }
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
