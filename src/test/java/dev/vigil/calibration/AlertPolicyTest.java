package dev.vigil.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AlertPolicyTest {

    private static final int N = 5_000;
    private static final double[] TYPICAL_TERMS = {0.5, 0.5, 0.5};

    /** Three exponential feature terms; the score is their sum. */
    private static Calibration calibrate(CalibrationSettings settings) {
        SplittableRandom random = new SplittableRandom(9);
        double[][] terms = new double[N][3];
        double[] scores = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < 3; j++) {
                terms[i][j] = SyntheticScores.EXPONENTIAL.sample(random);
                scores[i] += terms[i][j];
            }
        }
        return Calibration.fit(scores, terms, settings);
    }

    @Test
    void shouldAlertAboveTheThresholdAndNotAtIt() {
        Calibration calibration = calibrate(CalibrationSettings.defaults());
        double t = calibration.threshold();
        assertThat(calibration.decide(t, null).anomaly()).isFalse();
        Decision above = calibration.decide(t + 0.01, TYPICAL_TERMS);
        assertThat(above.anomaly()).isTrue();
        assertThat(above.anomalyFlag()).isEqualTo(1);
        assertThat(above.severity()).isEqualTo(Severity.LOW);
        assertThat(above.calibrationVersion()).isEqualTo(1);
        assertThat(above.threshold()).isEqualTo(t);
        assertThat(above.featurePValues()).hasSize(3);
    }

    @Test
    void shouldNotAlertWithinTheMarginButStillReportSeverity() {
        Calibration calibration = calibrate(CalibrationSettings.defaults().withMinScoreMargin(2));
        double t = calibration.threshold();
        Decision nearMiss = calibration.decide(t + 1, null);
        assertThat(nearMiss.anomaly()).isFalse();
        assertThat(nearMiss.aboveThreshold()).isFalse();
        assertThat(nearMiss.severity()).isNotEqualTo(Severity.NONE);
        assertThat(nearMiss.pValue()).isEqualTo(calibration.pValue(t + 1));
        assertThat(calibration.decide(t + 2.5, null).anomaly()).isTrue();
    }

    @Test
    void shouldRequireTheMinimumNumberOfContributingFeatures() {
        Calibration calibration = calibrate(CalibrationSettings.defaults().withContributingFeatures(2, 0.01));
        double oneFeatureRare = -Math.log(1e-4);  // exponential term reached by 1 in 10,000
        Decision single = calibration.decide(oneFeatureRare + 1 + calibration.threshold(), new double[] {oneFeatureRare + 20, 0.5, 0.5});
        assertThat(single.aboveThreshold()).isTrue();
        assertThat(single.contributingFeatures()).isEqualTo(1);
        assertThat(single.anomaly()).isFalse();

        Decision two = calibration.decide(calibration.threshold() + 1, new double[] {oneFeatureRare, oneFeatureRare, 0.5});
        assertThat(two.contributingFeatures()).isEqualTo(2);
        assertThat(two.anomaly()).isTrue();

        Decision twoBelowThreshold = calibration.decide(calibration.threshold() - 1, new double[] {oneFeatureRare, oneFeatureRare, 0.5});
        assertThat(twoBelowThreshold.anomaly()).isFalse();
    }

    @Test
    void shouldNeedFeatureTermsOfTheRightLengthForTheFeatureRule() {
        Calibration calibration = calibrate(CalibrationSettings.defaults().withContributingFeatures(2, 0.01));
        assertThatThrownBy(() -> calibration.decide(100, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> calibration.decide(100, new double[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlertPolicy(-1, 0, 0.01)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNeverRaiseTheAlertRateAboveTheDefaultPolicy() {
        Calibration strict = calibrate(CalibrationSettings.defaults().withMinScoreMargin(0.5).withContributingFeatures(1, 0.05));
        AlertPolicy plain = CalibrationSettings.defaults().alertPolicy();
        SplittableRandom random = new SplittableRandom(10);
        int strictAlerts = 0;
        int plainAlerts = 0;
        for (int i = 0; i < 100_000; i++) {
            double[] terms = new double[3];
            double score = 0;
            for (int j = 0; j < 3; j++) {
                terms[j] = SyntheticScores.EXPONENTIAL.sample(random);
                score += terms[j];
            }
            boolean s = strict.decide(score, terms).anomaly();
            boolean p = plain.decide(strict, score, terms).anomaly();
            assertThat(!s || p).isTrue();
            strictAlerts += s ? 1 : 0;
            plainAlerts += p ? 1 : 0;
        }
        assertThat(plainAlerts).isGreaterThan(strictAlerts).isGreaterThan(0);
    }
}
