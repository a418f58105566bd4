package dev.vigil.train;

import dev.vigil.score.TrainingSample;
import java.time.Duration;
import java.util.Arrays;

/**
 * Which scored samples may enter the training window, and the shift state that decides it.
 *
 * <p>In normal times a sample is admitted when it was judged normal with a p-value of at least
 * {@code admitMinPValue}: a burst of anomalies never enters. When the {@link ShiftDetector} sees a
 * sustained shift, samples are admitted by rank instead: those scoring within the lowest
 * {@code shiftAdmitShare} of recent traffic. That goes on until the anomaly rate has stayed low for
 * the shift's minimum duration ({@link ShiftDetector#settled()}). Unscored samples (cold start)
 * are always admitted.
 */
final class ShiftAdmission {

    static final int RECENT_SCORES = 2_000;
    /** Fewer scores than this since a shift are too few to rank against: nothing is admitted yet. */
    static final int MIN_RANKED = 200;
    /** Sorting the recent scores for every sample would cost more than the rest of the task: refresh every 50. */
    private static final int QUANTILE_REFRESH = 50;

    /** What one observed sample changed. */
    enum Change {
        NONE,
        /** A sustained shift was recognised with this sample. */
        SHIFT_DETECTED,
        /** The shift is over and a model trained on the new normal was promoted: older samples may go. */
        SETTLED_ON_NEW_NORMAL,
        /** The rate is low again without such a model: the old normal came back. */
        SETTLED_ON_OLD_NORMAL
    }

    private final double admitMinPValue;
    private final double admitShare;
    private final ShiftDetector detector;
    private final double[] recentScores = new double[RECENT_SCORES];
    private int recentCount;
    private int quantileAt = -1;
    private double quantile;
    private boolean shifting;
    private long shiftStart;
    private long admittedSinceRound;
    private boolean promotedSinceShift;

    ShiftAdmission(double admitMinPValue, double shiftAlertRate, Duration shiftMinDuration, double shiftAdmitShare, int minSamples) {
        this.admitMinPValue = admitMinPValue;
        this.admitShare = shiftAdmitShare;
        this.detector = new ShiftDetector(shiftAlertRate, shiftMinDuration, minSamples);
    }

    /**
     * Counts a scored sample towards the shift rule and the ranking; {@code nextSequence} is the
     * window's next sequence number, where a shift recognised now starts.
     */
    Change observe(TrainingSample sample, long nextSequence) {
        Change change = Change.NONE;
        if (detector.observe(sample.eventTime(), sample.anomaly()) && !shifting) {
            shifting = true;
            admittedSinceRound = 0;
            shiftStart = nextSequence;
            promotedSinceShift = false;
            recentCount = 0; // rank against the new traffic, not the old normal's scores
            change = Change.SHIFT_DETECTED;
        }
        recentScores[recentCount++ % RECENT_SCORES] = sample.score();
        if (shifting && detector.settled()) {
            shifting = false;
            change = promotedSinceShift ? Change.SETTLED_ON_NEW_NORMAL : Change.SETTLED_ON_OLD_NORMAL;
        }
        return change;
    }

    /** Whether {@code sample} enters the window; call after {@link #observe} for a scored sample. */
    boolean admits(TrainingSample sample) {
        if (!sample.scored()) {
            return true;
        }
        if (shifting) {
            return recentCount >= MIN_RANKED && sample.score() <= recentQuantile();
        }
        return !sample.anomaly() && sample.pValue() >= admitMinPValue;
    }

    /** Counts a sample that entered the window. */
    void admitted() {
        if (shifting) {
            admittedSinceRound++;
        }
    }

    /** A model trained during the shift was promoted: the next round ranks against it. */
    void promotedDuringShift() {
        admittedSinceRound = 0;
        promotedSinceShift = true;
    }

    boolean shifting() {
        return shifting;
    }

    /** Sequence number of the first sample admitted after the shift was recognised. */
    long shiftStart() {
        return shiftStart;
    }

    /** Samples admitted since the shift began or since the last model promoted during it. */
    long admittedSinceRound() {
        return admittedSinceRound;
    }

    /** The anomaly rate of the detector's last complete bucket (NaN if it had too few samples). */
    double lastBucketRate() {
        return detector.lastBucketRate();
    }

    private double recentQuantile() {
        if (quantileAt < 0 || recentCount - quantileAt >= QUANTILE_REFRESH || recentCount < quantileAt) {
            int n = Math.min(recentCount, RECENT_SCORES);
            double[] sorted = Arrays.copyOf(recentScores, n);
            Arrays.sort(sorted);
            quantile = sorted[Math.min(n - 1, (int) Math.floor(admitShare * n))];
            quantileAt = recentCount;
        }
        return quantile;
    }
}
