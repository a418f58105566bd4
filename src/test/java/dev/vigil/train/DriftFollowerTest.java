package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.model.Bundles;
import dev.vigil.model.ModelBundle;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftFollowerTest {

    private static final long MINUTE = 60_000;

    private static ModelBundle calibrated(long version, CalibrationSettings settings) {
        Random random = new Random(3);
        double[] scores = new double[5_000];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = 10 + random.nextGaussian();
        }
        return Bundles.random(Bundles.MIXED, 1L).withVersion(version)
                .withCalibration(Calibration.fit(scores, null, settings).toBytes());
    }

    private static final CalibrationSettings WITH_DRIFT = CalibrationSettings.defaults().withDrift(0.1, 0.5);

    private final DriftFollower drift = new DriftFollower(100, Duration.ofMinutes(1));

    private void collect(int n, double score, ModelBundle model) {
        for (int i = 0; i < n; i++) {
            drift.collect(score, model);
        }
    }

    @Test
    void shouldBeDueOnlyWithEnoughScoresAndAfterTheInterval() {
        ModelBundle model = calibrated(3, WITH_DRIFT);
        assertThat(drift.due(1_000)).isFalse();
        collect(99, 12, model);
        assertThat(drift.due(1_000 + MINUTE)).isFalse();
        collect(1, 12, model);
        assertThat(drift.due(1_000 + MINUTE - 1)).isFalse();
        assertThat(drift.due(1_000 + MINUTE)).isTrue();
    }

    @Test
    void shouldMoveTheCalibrationTowardsTheRecentScores() {
        ModelBundle model = calibrated(3, WITH_DRIFT);
        collect(100, 14, model);

        ModelBundle updated = drift.update(model, 3, false, MINUTE).orElseThrow();

        double before = Calibration.fromBytes(model.calibration()).threshold();
        double after = Calibration.fromBytes(updated.calibration()).threshold();
        assertThat(after).isGreaterThan(before);
        assertThat(updated.weights()).isEqualTo(model.weights());
        // The scores were used: the next update waits for new ones.
        assertThat(drift.due(10 * MINUTE)).isFalse();
    }

    @Test
    void shouldStartOverWhenAnotherModelBeganScoring() {
        collect(100, 14, calibrated(3, WITH_DRIFT));
        ModelBundle next = calibrated(4, WITH_DRIFT);
        collect(10, 14, next);

        assertThat(drift.due(0)).isFalse();
        assertThat(drift.due(MINUTE)).isFalse();
        assertThat(drift.update(next, 4, false, MINUTE)).isEmpty();
    }

    @Test
    void shouldNotUpdateDuringAShiftOverAnUnseenVersionOrWithoutDrift() {
        ModelBundle model = calibrated(3, WITH_DRIFT);
        collect(100, 14, model);
        assertThat(drift.update(model, 3, true, MINUTE)).isEmpty();
        assertThat(drift.update(model, 4, false, MINUTE)).isEmpty();

        ModelBundle noDrift = calibrated(5, CalibrationSettings.defaults());
        DriftFollower other = new DriftFollower(100, Duration.ofMinutes(1));
        for (int i = 0; i < 100; i++) {
            other.collect(14, noDrift);
        }
        assertThat(other.update(noDrift, 5, false, MINUTE)).isEmpty();
    }
}
