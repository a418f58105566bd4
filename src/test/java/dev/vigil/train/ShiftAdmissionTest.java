package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.score.TrainingSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShiftAdmissionTest {

    /** Buckets of one second (six per minimum duration), five samples each to judge a bucket. */
    private final ShiftAdmission admission = new ShiftAdmission(0.01, 0.001, 0.1, Duration.ofSeconds(6), 0.5, 5);

    private static TrainingSample scored(long eventTime, boolean anomaly, double score, double pValue) {
        return new TrainingSample(eventTime, true, anomaly, score, pValue, new double[] {score});
    }

    /** Ten samples a second from {@code fromSecond} to {@code toSecond} (exclusive), every other one an anomaly if asked. */
    private List<ShiftAdmission.Change> feed(int fromSecond, int toSecond, boolean halfAnomalous, long nextSequence) {
        List<ShiftAdmission.Change> changes = new ArrayList<>();
        for (int s = fromSecond; s < toSecond; s++) {
            for (int i = 0; i < 10; i++) {
                boolean anomaly = halfAnomalous && i % 2 == 0;
                changes.add(admission.observe(scored(s * 1_000L + i * 100, anomaly, anomaly ? 50 : 5, anomaly ? 1e-6 : 0.5),
                        nextSequence));
            }
        }
        return changes;
    }

    @Test
    void shouldTrainOnColdStartSamplesAndConfidentNormalOnes() {
        TrainingSample unscored = new TrainingSample(0, false, false, Double.NaN, Double.NaN, new double[] {1});
        assertThat(admission.admits(unscored)).isTrue();
        assertThat(admission.trainable(unscored)).isTrue();
        assertThat(admission.admits(scored(0, false, 3, 0.5))).isTrue();
        assertThat(admission.trainable(scored(0, false, 3, 0.5))).isTrue();
    }

    @Test
    void shouldStopKeepingBandSamplesWhileTheBandFillsFarFasterThanNormalTrafficFillsIt() {
        // Normal traffic: one sample in a hundred in the band [0.001, 0.01), as uniform p-values put there.
        for (int i = 0; i < ShiftAdmission.RECENT_BAND; i++) {
            admission.observe(scored(i, false, 3, i % 100 == 0 ? 0.005 : 0.5), 0);
        }
        assertThat(admission.admits(scored(1_000, false, 3, 0.005))).isTrue();

        // Records the model took for normal, but only just, arrive far faster: 3 x 0.9% of 1,000 is 27.
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            TrainingSample band = scored(1_000 + i, false, 3, 0.005);
            admission.observe(band, 0);
            admitted += admission.admits(band) ? 1 : 0;
        }

        // The last 1,000 held 10 band samples; the first one of the burst takes the oldest one's place, then 17 more fit.
        assertThat(admitted).isEqualTo(1 + 27 - 10);
        assertThat(admission.admits(scored(1_100, false, 3, 0.5))).as("trainable samples still enter").isTrue();
    }

    @Test
    void shouldKeepRecordsJudgedNormalBelowTheMarginForCalibrationOnlyAndLeaveOutFlaggedOnes() {
        assertThat(admission.admits(scored(0, false, 3, 0.009))).isTrue();
        assertThat(admission.trainable(scored(0, false, 3, 0.009))).isFalse();
        assertThat(admission.admits(scored(0, true, 12, 5e-4))).isFalse();
        assertThat(admission.trainable(scored(0, true, 12, 5e-4))).isFalse();
        // Past the threshold, but let pass by the alert policy (a score margin, or too few features): not in the band.
        assertThat(admission.admits(scored(0, false, 40, 1e-9))).isFalse();
    }

    @Test
    void shouldRecogniseAShiftOnlyAfterTheRateStayedHighForLongerThanTheMinimumDuration() {
        List<ShiftAdmission.Change> changes = feed(0, 8, true, 77);
        assertThat(changes).containsOnly(ShiftAdmission.Change.NONE);
        assertThat(admission.shifting()).isFalse();

        changes = feed(8, 9, true, 77);

        assertThat(changes.get(0)).isEqualTo(ShiftAdmission.Change.SHIFT_DETECTED);
        assertThat(admission.shifting()).isTrue();
        assertThat(admission.shiftStart()).isEqualTo(77);
    }

    @Test
    void shouldAdmitByRankDuringAShiftOnceThereAreEnoughScoresToRank() {
        feed(0, 9, true, 0);
        assertThat(admission.shifting()).isTrue();
        // Fewer than MIN_RANKED scores since the shift: nothing enters, however low it scores.
        assertThat(admission.admits(scored(9_000, false, 0.1, 0.9))).isFalse();

        for (int i = 0; i < ShiftAdmission.MIN_RANKED; i++) {
            admission.observe(scored(9_000 + i, i % 2 == 0, i, 0.5), 0);
        }

        // Ranked against scores 0..199 (and the shift's own): the lowest half enters and is trained on, anomaly or not.
        assertThat(admission.admits(scored(9_500, true, 20, 1e-6))).isTrue();
        assertThat(admission.trainable(scored(9_500, true, 20, 1e-6))).isTrue();
        // The rest stays out, also for calibration: the old model's p-values no longer describe the new normal.
        assertThat(admission.admits(scored(9_500, false, 190, 0.9))).isFalse();
        assertThat(admission.admits(scored(9_500, true, 190, 5e-4))).isFalse();
        assertThat(admission.admits(scored(9_500, false, 190, 0.005))).isFalse();
        admission.admitted();
        admission.admitted();
        assertThat(admission.admittedSinceRound()).isEqualTo(2);
        admission.promotedDuringShift();
        assertThat(admission.admittedSinceRound()).isZero();
    }

    @Test
    void shouldSettleOnTheOldNormalWhenNoModelWasPromotedDuringTheShift() {
        feed(0, 9, true, 0);

        List<ShiftAdmission.Change> changes = feed(9, 20, false, 0);

        assertThat(changes).contains(ShiftAdmission.Change.SETTLED_ON_OLD_NORMAL).doesNotContain(ShiftAdmission.Change.SETTLED_ON_NEW_NORMAL);
        assertThat(admission.shifting()).isFalse();
    }

    @Test
    void shouldSettleOnTheNewNormalWhenAModelWasPromotedDuringTheShift() {
        feed(0, 9, true, 0);
        admission.promotedDuringShift();

        List<ShiftAdmission.Change> changes = feed(9, 20, false, 0);

        assertThat(changes).containsOnlyOnce(ShiftAdmission.Change.SETTLED_ON_NEW_NORMAL);
        assertThat(admission.shifting()).isFalse();
        // Back to normal admission.
        assertThat(admission.admits(scored(21_000, false, 190, 0.5))).isTrue();
    }
}
