package dev.vigil.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftTest {

    private static final CalibrationSettings WITH_DRIFT = CalibrationSettings.defaults().withDrift(0.1, 0.5);

    private static Calibration fitted(CalibrationSettings settings) {
        return Calibration.fit(SyntheticScores.NORMAL.samples(new SplittableRandom(1), 5_000), null, settings);
    }

    private static double[] normal(SplittableRandom random, double shift, int n) {
        double[] scores = SyntheticScores.NORMAL.samples(random, n);
        for (int i = 0; i < n; i++) {
            scores[i] += shift;
        }
        return scores;
    }

    @Test
    void shouldBoundThresholdGrowthWhenAnomaliesDriftUpSlowly() {
        Calibration original = fitted(WITH_DRIFT);
        double median = original.scores().valueAtPValue(0.5);
        double bound = original.threshold() + 0.5 * (original.threshold() - median);
        SplittableRandom random = new SplittableRandom(2);

        // Scores judged normal creep upward without end: 0.05 per batch, 50 standard deviations in all.
        Calibration current = original;
        for (int batch = 1; batch <= 1_000; batch++) {
            current = current.updated(normal(random, 0.05 * batch, 200));
            assertThat(current.threshold()).as("threshold after batch %d", batch).isLessThanOrEqualTo(bound + 1e-12);
            assertThat(current.version()).isEqualTo(1 + batch);
        }
        // It did follow the drift up to the bound, and no further.
        assertThat(current.threshold()).isCloseTo(bound, within(1e-12));
        assertThat(current.pValue(current.threshold())).isCloseTo(original.targetFpr(), within(1e-12));
        assertThat(original.version()).isEqualTo(1);
        assertThat(original.driftShift()).isZero();
    }

    @Test
    void shouldFollowAModestShiftOfNormalTraffic() {
        Calibration current = fitted(WITH_DRIFT);
        double before = current.threshold();
        SplittableRandom random = new SplittableRandom(3);
        for (int batch = 0; batch < 100; batch++) {
            current = current.updated(normal(random, 0.4, 500));
        }
        assertThat(current.threshold() - before).isCloseTo(0.4, within(0.05));

        // On the shifted traffic the realized rate is back near the target.
        int fresh = 200_000;
        int above = 0;
        for (double x : normal(random, 0.4, fresh)) {
            if (current.decide(x, null).anomaly()) {
                above++;
            }
        }
        assertThat((double) above / fresh / current.targetFpr()).isBetween(0.5, 2.0);
    }

    @Test
    void shouldLeaveTheCalibrationUntouchedAndRefuseUpdatesWhenDriftIsOff() {
        Calibration calibration = fitted(CalibrationSettings.defaults());
        assertThat(calibration.settings().driftEnabled()).isFalse();
        assertThatThrownBy(() -> calibration.updated(new double[] {1, 2, 3})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fitted(WITH_DRIFT).updated(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
