package dev.vigil.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of nanosecond durations in log-linear buckets, 32 per power of two (a value is known to within about 3%),
 * held in one fixed array: recording allocates nothing, so it can sit on a stream thread's per-record path. One
 * thread may record while another reads; a reading taken meanwhile may miss the latest few values.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;
    /** Values below {@link #SUB} have a bucket each; every power of two above has {@link #SUB}, up to 2^63. */
    private static final int BUCKETS = (64 - SUB_BITS) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
        record(nanos, 1);
    }

    /** Records {@code count} values of {@code nanos} each (negative values count as 0). */
    void record(long nanos, long count) {
        long v = Math.max(0, nanos);
        counts.addAndGet(bucket(v), count);
        long m;
        while (v > (m = max.get()) && !max.compareAndSet(m, v)) {
            // another thread raised the maximum meanwhile: compare again
        }
    }

    /** Forgets every value, e.g. those of a warm-up. */
    void reset() {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
        max.set(0);
    }

    long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The {@code q}-quantile (nearest rank) in milliseconds, as the middle of its bucket; the exact maximum for q = 1; NaN when empty. */
    double percentileMs(double q) {
        long n = count();
        if (n == 0) {
            return Double.NaN;
        }
        if (q >= 1) {
            return max.get() / 1e6;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(middle(i), max.get()) / 1e6;
            }
        }
        return max.get() / 1e6;
    }

    static int bucket(long v) {
        if (v < SUB) {
            return (int) Math.max(0, v);
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS;
        return (shift + 1) * SUB + (int) ((v >>> shift) - SUB);
    }

    /** The smallest value of bucket {@code i}. */
    static long lowest(int i) {
        if (i < SUB) {
            return i;
        }
        int shift = i / SUB - 1;
        return (long) (SUB + i % SUB) << shift;
    }

    private static double middle(int i) {
        return i < SUB ? i : lowest(i) + ((1L << (i / SUB - 1)) - 1) / 2.0;
    }
}
