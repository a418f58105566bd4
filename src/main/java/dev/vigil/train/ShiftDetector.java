package dev.vigil.train;

import java.time.Duration;

/**
 * Tells a short burst of anomalies from a sustained shift of normal traffic.
 *
 * <p>The rule: event time is cut into buckets of {@code minDuration / BUCKETS}. A shift is declared
 * when each of the last {@code BUCKETS + 2} complete buckets holds at least {@code minSamples}
 * sampled records and an anomaly rate above {@code alertRate}; the buckets must be consecutive.
 * The two extra buckets are the edges: a burst shorter than {@code minDuration} can touch
 * {@code BUCKETS + 1} buckets (a part of the first, the last), never {@code BUCKETS + 2}. So the
 * rate must stay high for longer than {@code minDuration}: a shorter burst, however intense, never
 * counts, and neither does a long stretch where the rate dips below the bound in one bucket. After a shift is reported the detector starts over, so one shift triggers once.
 *
 * <p>The way back is symmetric: the traffic has {@link #settled()} when each of the last
 * {@code BUCKETS} complete buckets had an anomaly rate below a twentieth of the bound.
 */
public final class ShiftDetector {

    /** Buckets per {@code minDuration}. More buckets react sooner to a dip; fewer need fewer samples each. */
    static final int BUCKETS = 6;

    private final double alertRate;
    private final long bucketMs;
    private final int minSamples;

    private long currentBucket = Long.MIN_VALUE;
    private long currentCount;
    private long currentAnomalies;
    private long lastCompleteBucket = Long.MIN_VALUE;
    private double lastCompleteRate = Double.NaN;
    private int consecutiveHigh;
    private int consecutiveLow;

    public ShiftDetector(double alertRate, Duration minDuration, int minSamples) {
        if (!(alertRate > 0 && alertRate < 1)) {
            throw new IllegalArgumentException("alertRate must be in (0, 1), got " + alertRate);
        }
        if (minDuration.toMillis() < BUCKETS) {
            throw new IllegalArgumentException("minDuration must be at least " + BUCKETS + " ms, got " + minDuration);
        }
        this.alertRate = alertRate;
        this.bucketMs = minDuration.toMillis() / BUCKETS;
        this.minSamples = Math.max(1, minSamples);
    }

    /**
     * Counts one sampled record (scored records only) and returns true when this record completes
     * a shift by the rule above.
     */
    public boolean observe(long eventTime, boolean anomaly) {
        long bucket = Math.floorDiv(eventTime, bucketMs);
        if (bucket < currentBucket) {
            // A late record: count it where it belongs would need history; the current bucket is close enough.
            bucket = currentBucket;
        }
        boolean shift = false;
        if (bucket != currentBucket) {
            shift = closeBucket(bucket);
            currentBucket = bucket;
            currentCount = 0;
            currentAnomalies = 0;
        }
        currentCount++;
        if (anomaly) {
            currentAnomalies++;
        }
        return shift;
    }

    private boolean closeBucket(long nextBucket) {
        if (currentBucket == Long.MIN_VALUE) {
            return false;
        }
        boolean enough = currentCount >= minSamples;
        lastCompleteRate = enough ? (double) currentAnomalies / currentCount : Double.NaN;
        boolean high = enough && currentAnomalies > alertRate * currentCount;
        boolean low = enough && currentAnomalies < alertRate / 20 * currentCount;
        boolean adjacent = lastCompleteBucket == currentBucket - 1;
        consecutiveHigh = high ? (adjacent ? consecutiveHigh + 1 : 1) : 0;
        consecutiveLow = low ? (adjacent ? consecutiveLow + 1 : 1) : 0;
        lastCompleteBucket = currentBucket;
        if (nextBucket != currentBucket + 1) {
            consecutiveHigh = 0; // a gap in the data breaks the run
            consecutiveLow = 0;
        }
        if (consecutiveHigh >= BUCKETS + 2) {
            consecutiveHigh = 0;
            return true;
        }
        return false;
    }

    /** The anomaly rate of the last complete bucket with enough samples to judge, else NaN. */
    public double lastBucketRate() {
        return lastCompleteRate;
    }

    /** Whether the anomaly rate stayed below a twentieth of the bound for the whole minimum duration. */
    public boolean settled() {
        return consecutiveLow >= BUCKETS;
    }

    /** Forget everything, e.g. after a retraining on the new normal. */
    public void reset() {
        currentBucket = Long.MIN_VALUE;
        lastCompleteBucket = Long.MIN_VALUE;
        lastCompleteRate = Double.NaN;
        consecutiveHigh = 0;
        consecutiveLow = 0;
        currentCount = 0;
        currentAnomalies = 0;
    }
}
