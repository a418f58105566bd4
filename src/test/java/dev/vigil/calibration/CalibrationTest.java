package dev.vigil.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CalibrationTest {

    private static final CalibrationSettings DEFAULTS = CalibrationSettings.defaults();

    private static Calibration calibrate(SyntheticScores distribution, int n, CalibrationSettings settings) {
        return Calibration.fit(distribution.samples(new SplittableRandom(42), n), null, settings);
    }

    /** Scores from far below the minimum to far beyond anything seen, densest around the tail. */
    private static double[] sweep(Calibration calibration) {
        double[] q = calibration.scores().quantiles();
        double lo = q[0] - 10;
        double hi = q[q.length - 1];
        double[] scores = new double[30_000];
        for (int i = 0; i < 20_000; i++) {
            scores[i] = lo + (hi - lo) * i / 19_999.0;
        }
        for (int i = 0; i < 10_000; i++) {
            scores[20_000 + i] = hi + Math.pow(10, -3 + 12.0 * i / 9_999) * (1 + Math.abs(hi));
        }
        return scores;
    }

    @ParameterizedTest
    @EnumSource(SyntheticScores.class)
    void shouldGivePValuesInUnitIntervalThatNeverIncreaseWithTheScore(SyntheticScores distribution) {
        Calibration calibration = calibrate(distribution, 5_000, DEFAULTS);
        double previous = 1;
        for (double score : sweep(calibration)) {
            double p = calibration.pValue(score);
            assertThat(p).as("p-value of %s", score).isGreaterThan(0).isLessThanOrEqualTo(1).isLessThanOrEqualTo(previous);
            previous = p;
        }
        assertThat(calibration.pValue(calibration.scores().quantiles()[0] - 1)).isEqualTo(1);
        assertThat(calibration.pValue(Double.POSITIVE_INFINITY)).isEqualTo(ScoreDistribution.P_VALUE_FLOOR);
        assertThat(calibration.pValue(Double.MAX_VALUE)).isGreaterThanOrEqualTo(ScoreDistribution.P_VALUE_FLOOR);
    }

    @Test
    void shouldGiveTheTargetRateAsThePValueOfTheThreshold() {
        for (double target : new double[] {1e-2, 3e-3, 1e-3, 1e-5}) {
            Calibration calibration = calibrate(SyntheticScores.LOGNORMAL, 5_000, DEFAULTS.withTargetFpr(target));
            assertThat(calibration.pValue(calibration.threshold()) / target).as("target %s", target).isCloseTo(1, within(1e-9));
            assertThat(calibration.thresholdFor(target)).isEqualTo(calibration.threshold());
        }
    }

    @Test
    void shouldUseTheEmpiricalQuantileWhenEnoughScoresExceedItAndTheTailFitOtherwise() {
        double[] scores = SyntheticScores.NORMAL.samples(new SplittableRandom(3), 5_000);
        double[] sorted = scores.clone();
        Arrays.sort(sorted);

        Calibration frequent = Calibration.fit(scores, null, DEFAULTS.withTargetFpr(1e-2));
        assertThat(frequent.scores().isEmpirical(1e-2)).isTrue();
        assertThat(frequent.threshold()).isEqualTo(ScoreDistribution.empiricalQuantile(sorted, 0.99));

        Calibration rare = Calibration.fit(scores, null, DEFAULTS.withTargetFpr(1e-3));
        assertThat(rare.scores().isEmpirical(1e-3)).isFalse();
        ScoreDistribution.Tail tail = rare.scores().tail();
        assertThat(tail.threshold()).isEqualTo(ScoreDistribution.empiricalQuantile(sorted, 0.98));
        assertThat(tail.excesses()).isEqualTo(100);
        assertThat(tail.exceedanceFraction()).isEqualTo(0.02);
        assertThat(tail.anchorPValue()).isEqualTo(0.01);
        // Only 5 of the 5,000 scores lie above a 1e-3 threshold; the tail fit must put it among them.
        assertThat(rare.threshold()).isBetween(sorted[4_980], sorted[4_999] + 1);
    }

    @Test
    void shouldMakeSeverityNeverIncreaseWithThePValue() {
        Calibration calibration = calibrate(SyntheticScores.EXPONENTIAL, 5_000, DEFAULTS);
        Severity previous = Severity.CRITICAL;
        for (int i = 0; i <= 2_000; i++) {
            double p = Math.pow(10, -16 + 16.0 * i / 2_000);
            Severity severity = calibration.severity(p);
            assertThat(severity.compareTo(previous)).as("severity at p=%s", p).isLessThanOrEqualTo(0);
            previous = severity;
        }
        assertThat(calibration.severity(1)).isEqualTo(Severity.NONE);
        assertThat(calibration.severity(ScoreDistribution.P_VALUE_FLOOR)).isEqualTo(Severity.CRITICAL);
    }

    @Test
    void shouldMapDecadesBeyondTheTargetToSeverities() {
        assertThat(Severity.of(2e-3, 1e-3)).isEqualTo(Severity.NONE);
        assertThat(Severity.of(1e-3, 1e-3)).isEqualTo(Severity.LOW);
        assertThat(Severity.of(2e-4, 1e-3)).isEqualTo(Severity.LOW);
        assertThat(Severity.of(5e-5, 1e-3)).isEqualTo(Severity.MEDIUM);
        assertThat(Severity.of(5e-6, 1e-3)).isEqualTo(Severity.HIGH);
        assertThat(Severity.of(1e-6, 1e-3)).isEqualTo(Severity.CRITICAL);
        assertThat(Severity.of(1e-2, 1e-2)).isEqualTo(Severity.LOW);
    }

    @ParameterizedTest
    @EnumSource(SyntheticScores.class)
    void shouldRateEveryScoreAboveTheThresholdAtLeastLow(SyntheticScores distribution) {
        for (double target : new double[] {1e-2, 1e-3}) {
            Calibration calibration = calibrate(distribution, 5_000, DEFAULTS.withTargetFpr(target));
            double t = calibration.threshold();
            for (double score : new double[] {Math.nextUp(t), t + 1e-9 * Math.abs(t), t + 0.5, t * 2 + 1}) {
                assertThat(calibration.severity(calibration.pValue(score))).as("score %s above %s", score, t).isNotEqualTo(Severity.NONE);
            }
            assertThat(calibration.severity(calibration.pValue(calibration.scores().valueAtPValue(0.5)))).isEqualTo(Severity.NONE);
        }
    }

    @Test
    void shouldKeepTheCalibrationExactlyThroughBytes() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 5_000;
        double[] scores = SyntheticScores.STUDENT_T3.samples(random, n);
        double[][] terms = new double[n][3];
        for (int i = 0; i < n; i++) {
            terms[i][0] = SyntheticScores.EXPONENTIAL.sample(random);
            terms[i][1] = random.nextInt(4);                                       // ties, like a categorical term
            terms[i][2] = i % 10 == 0 ? Double.NaN : SyntheticScores.PARETO.sample(random); // sometimes missing
        }
        Calibration original = Calibration.fit(scores, terms, DEFAULTS.withDrift(0.2, 0.5).withContributingFeatures(1, 0.005))
                .updated(SyntheticScores.STUDENT_T3.samples(random, 100));

        Calibration copy = Calibration.fromBytes(original.toBytes());

        assertThat(copy).isEqualTo(original);
        assertThat(copy.hashCode()).isEqualTo(original.hashCode());
        assertThat(copy.version()).isEqualTo(2);
        for (double score : sweep(original)) {
            assertThat(copy.pValue(score)).isEqualTo(original.pValue(score));
        }
        for (int j = 0; j < 3; j++) {
            for (double term = -1; term < 1e4; term = term * 1.1 + 0.5) {
                assertThat(copy.featurePValue(j, term)).isEqualTo(original.featurePValue(j, term));
            }
        }
        assertThat(Calibration.fromBytes(copy.toBytes())).isEqualTo(original);
    }

    @Test
    void shouldRefuseBytesThatAreNotACalibration() {
        assertThatThrownBy(() -> Calibration.fromBytes("{\"version\":1}".getBytes())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Calibration.fromBytes("not json".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldEstimatePerFeatureTailRarity() {
        // Feature 0's term is exponential, so a term of x is reached by exp(-x) of normal records.
        SplittableRandom random = new SplittableRandom(5);
        int n = 50_000;
        double[][] terms = new double[n][2];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            terms[i][0] = SyntheticScores.EXPONENTIAL.sample(random);
            terms[i][1] = random.nextGaussian();
            scores[i] = terms[i][0] + terms[i][1];
        }
        Calibration calibration = Calibration.fit(scores, terms, DEFAULTS);
        for (double p : new double[] {1e-1, 1e-2, 1e-3}) {
            assertThat(calibration.featurePValue(0, -Math.log(p)) / p).as("p = %s", p).isBetween(0.5, 2.0);
        }
        assertThat(calibration.featurePValue(0, Double.NaN)).isEqualTo(1);
        assertThat(calibration.featurePValue(1, 10)).isLessThan(1e-6);
        assertThatThrownBy(() -> calibration.featurePValue(2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void shouldRefuseScoresItCannotCalibrateOn() {
        assertThatThrownBy(() -> Calibration.fit(new double[100], null, DEFAULTS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least");
        double[] withNaN = SyntheticScores.NORMAL.samples(new SplittableRandom(1), 1_000);
        withNaN[7] = Double.NaN;
        assertThatThrownBy(() -> Calibration.fit(withNaN, null, DEFAULTS)).isInstanceOf(IllegalArgumentException.class);
        double[] constant = new double[1_000];
        assertThatThrownBy(() -> Calibration.fit(constant, null, DEFAULTS)).isInstanceOf(IllegalArgumentException.class);
        double[] fine = SyntheticScores.NORMAL.samples(new SplittableRandom(1), 1_000);
        assertThatThrownBy(() -> Calibration.fit(fine, null, DEFAULTS.withContributingFeatures(1, 0.01)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
