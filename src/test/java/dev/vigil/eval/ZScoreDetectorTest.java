package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

class ZScoreDetectorTest {

    @Test
    void shouldScoreARowByItsSquaredDistanceFromTheMeanInEachFeaturesStandardDeviations() {
        // Sample standard deviations: sqrt(2) for -1, 1 (mean 0); 100 sqrt(2) for -90, 110 (mean 10).
        ZScoreDetector detector = new ZScoreDetector();
        detector.fit(new double[][] {{-1, -90}, {1, 110}});
        double sd1 = Math.sqrt(2) * 100;

        double[] scores = detector.score(new double[][] {{0, 10}, {3, 10}, {0, 10 + 3 * sd1}});

        assertThat(scores[0]).isCloseTo(0, offset(1e-12));
        assertThat(scores[1]).as("3 / sqrt(2) sd out on the first feature").isCloseTo(9 / 2.0, offset(1e-9));
        assertThat(scores[2]).as("3 sd out on the second").isCloseTo(9, offset(1e-9));
    }

    @Test
    void shouldMissABrokenCorrelationThatMahalanobisSees() {
        // x2 = x1 + small noise: (2, -2) breaks it while each value alone is ordinary.
        double[][] train = new double[2000][];
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < train.length; i++) {
            double x = random.nextGaussian();
            train[i] = new double[] {x, x + 0.05 * random.nextGaussian()};
        }
        double[][] test = {{2, 2}, {2, -2}};
        ZScoreDetector zscore = new ZScoreDetector();
        zscore.fit(train);
        MahalanobisDetector mahalanobis = new MahalanobisDetector();
        mahalanobis.fit(train);

        double[] z = zscore.score(test);
        double[] m = mahalanobis.score(test);

        assertThat(z[1]).as("z-scores: the broken row is no rarer than the one on the line").isCloseTo(z[0], offset(0.5));
        assertThat(m[1]).as("Mahalanobis").isGreaterThan(100 * m[0]);
    }

    @Test
    void shouldNameTheFeaturesFurthestFromTheirMeanFirst() {
        ZScoreDetector detector = new ZScoreDetector();
        detector.fit(new double[][] {{-1, -1, -1}, {1, 1, 1}});

        int[][] top = detector.topFeatures(new double[][] {{0.5, -3, 2}}, 2);

        assertThat(top[0]).containsExactly(1, 2);
    }

    @Test
    void shouldKeepAConstantFeatureInItsOwnUnitsAndRefuseToScoreBeforeFitting() {
        ZScoreDetector detector = new ZScoreDetector();
        assertThatThrownBy(() -> detector.score(new double[][] {{1, 1}})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> detector.topFeatures(new double[][] {{1, 1}}, 1)).isInstanceOf(IllegalStateException.class);
        detector.fit(new double[][] {{5, -1}, {5, 1}});

        assertThat(detector.score(new double[][] {{7, 0}})[0]).as("2 units off a feature that never moved").isCloseTo(4, offset(1e-12));
    }

    @Test
    void shouldBeKnownToEvaluateButNotRunByDefault() {
        assertThat(Detectors.create("zscore", 1).name()).isEqualTo("zscore");
        assertThat(Detectors.defaults()).doesNotContain("zscore", "random").contains("vae", "iforest");
    }
}
