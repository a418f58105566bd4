package dev.vigil.train;

import dev.vigil.score.TrainingSample;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which scored samples may enter the training window, which of them a model may be trained on,
 * and the shift state that decides it.
 *
 * <p><b>Normal times.</b> A sample judged normal enters; a burst of anomalies never does. It is
 * trained on when its p-value is at least {@code admitMinPValue}. One in the <em>band</em> between
 * the target rate and that margin is kept for calibration only: a model calibrated without the
 * records just inside the threshold misses the tail its own threshold lies in, and flagged five to
 * seven times its target rate, more with every retraining (docs/BENCHMARKS.md). The records the
 * serving model flagged are still missing, so false alarms creep up with retraining, to about 3.6
 * times the target; keeping the flagged ones down to a tenth of the target rate holds the target,
 * but let a burst at a restart lift the next threshold over itself. P-values of normal records are
 * uniform, so normal traffic fills the band at the rate of its width. While the last
 * {@value #RECENT_BAND} scored samples fill it more than {@value #BAND_SLACK} times as fast, anomalies the serving model
 * took for normal are arriving, and band samples stay out: a candidate that fits normal records
 * better would score them far out and lift its threshold over them. The band's target rate is the
 * configured one ({@code vigil.alert.target.fpr}), not that of a model published by hand.
 *
 * <p><b>Shifts.</b> When the {@link ShiftDetector} sees a sustained shift, the serving model's
 * verdicts no longer say what is normal: samples are admitted by rank instead, and trained on,
 * those scoring within the lowest {@code shiftAdmitShare} of recent traffic; nothing is kept for
 * calibration only. That goes on until the anomaly rate has stayed low for the shift's minimum
 * duration ({@link ShiftDetector#settled()}). (A model calibrated on that share misses the top of
 * the new traffic and flags about ten times its target rate; keeping the rest to calibrate with let
 * anomalies lift the threshold over most spikes: docs/BENCHMARKS.md.)
 *
 * <p>Unscored samples (cold start) are always admitted and trained on. Like the shift state, the
 * band's recent fill lives in memory: after a restart or a move of the task it starts empty, so a
 * replay may keep other band samples than the first run did (under exactly_once_v2 the first
 * run's store writes were aborted with it).
 */
final class ShiftAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(ShiftAdmission.class);

    static final int RECENT_SCORES = 2_000;
    /** Scored samples over which the band's fill rate is judged. */
    static final int RECENT_BAND = 1_000;
    /** How many times faster than normal traffic the band may fill: room for p-values that run a little low. */
    static final double BAND_SLACK = 3;
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
    private final double targetFpr;
    private final boolean[] recentInBand = new boolean[RECENT_BAND];
    private long bandObserved;
    private int recentBandCount;
    private boolean bandOpen = true;
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

    ShiftAdmission(double admitMinPValue, double targetFpr, double shiftAlertRate, Duration shiftMinDuration,
                   double shiftAdmitShare, int minSamples) {
        this.admitMinPValue = admitMinPValue;
        this.targetFpr = targetFpr;
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
        int slot = (int) (bandObserved++ % RECENT_BAND);
        recentBandCount -= recentInBand[slot] ? 1 : 0;
        recentInBand[slot] = inBand(sample);
        recentBandCount += recentInBand[slot] ? 1 : 0;
        if (shifting && detector.settled()) {
            shifting = false;
            change = promotedSinceShift ? Change.SETTLED_ON_NEW_NORMAL : Change.SETTLED_ON_OLD_NORMAL;
        }
        return change;
    }

    /** Whether {@code sample} enters the window, to train on or to calibrate; call after {@link #observe} for a scored sample. */
    boolean admits(TrainingSample sample) {
        return trainable(sample) || (!shifting && inBand(sample) && bandFillsAsNormalTrafficDoes());
    }

    /**
     * Judged normal and between the target rate and the margin. A record past the threshold that
     * the alert policy let pass (a score margin, or too few contributing features) is not in it.
     */
    private boolean inBand(TrainingSample sample) {
        return sample.scored() && !sample.anomaly() && sample.pValue() >= targetFpr && sample.pValue() < admitMinPValue;
    }

    private boolean bandFillsAsNormalTrafficDoes() {
        long seen = Math.min(bandObserved, RECENT_BAND);
        boolean open = recentBandCount <= Math.max(1, BAND_SLACK * (admitMinPValue - targetFpr) * seen);
        // Said only once the rate means something: after a restart two band samples in the first few are chance.
        if (open != bandOpen && seen >= RECENT_BAND / 10) {
            bandOpen = open;
            if (open) {
                LOG.info("Records just inside the threshold arrive at a normal rate again; they are kept to calibrate with");
            } else {
                LOG.warn("{} of the last {} sampled records were just inside the threshold, over {} times the rate of normal "
                        + "traffic: none is kept to calibrate with until the rate falls", recentBandCount, seen, BAND_SLACK);
            }
        }
        return open;
    }

    /** Whether a model may be trained on {@code sample}; call after {@link #observe} for a scored sample. */
    boolean trainable(TrainingSample sample) {
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
