package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Properties Liu, Ting and Zhou (ICDM 2008) state for Isolation Forest. */
class IsolationForestDetectorTest {

    @Test
    void shouldComputeTheAveragePathLengthOfAnUnsuccessfulBinarySearchTreeSearch() {
        assertThat(IsolationForestDetector.averagePathLength(0)).isZero();
        assertThat(IsolationForestDetector.averagePathLength(1)).isZero();
        assertThat(IsolationForestDetector.averagePathLength(2)).isEqualTo(1.0);
        // 2 (ln 2 + 0.5772156649) - 4/3 and 2 (ln 255 + 0.5772156649) - 255/128.
        assertThat(IsolationForestDetector.averagePathLength(3)).isCloseTo(1.2073924, offset(1e-6));
        assertThat(IsolationForestDetector.averagePathLength(256)).isCloseTo(10.2447709, offset(1e-6));
    }

    @Test
    void shouldScoreEveryRowAboveZeroAndAtMostOne() {
        EvalDataset data = SyntheticData.dataset(3, 1000, 300, 30);
        IsolationForestDetector forest = fitted(5, data.train());
        double[][] rows = Arrays.copyOf(data.test(), data.test().length + 2);
        rows[rows.length - 2] = new double[] {1e9, -1e9, 1e9, -1e9, 1e9, -1e9};
        rows[rows.length - 1] = data.train()[1].clone();

        assertThat(Arrays.stream(forest.score(rows))).allSatisfy(s -> assertThat(s).isGreaterThan(0).isLessThanOrEqualTo(1));
    }

    @Test
    void shouldScoreAFarOutlierAboveSixTenthsAndTypicalRowsBelowOneHalf() {
        double[][] cluster = SyntheticData.gaussianCluster(11, 1000, 5);
        IsolationForestDetector forest = fitted(11, cluster);

        double[] scores = forest.score(new double[][] {{8, 8, 8, 8, 8}, {0, 0, 0, 0, 0}});

        assertThat(scores[0]).as("outlier 8 sd out on every feature").isGreaterThan(0.6);
        assertThat(scores[1]).as("cluster centre").isLessThan(0.5);
        assertThat(Arrays.stream(forest.score(cluster)).average().orElseThrow()).as("mean over the cluster").isLessThan(0.5);
    }

    @Test
    void shouldIsolateUniformRowsInAboutTheAveragePathLengthOfTheSubsample() {
        IsolationForestDetector forest = fitted(2, SyntheticData.uniformCube(1, 2000, 4));
        double[][] fresh = SyntheticData.uniformCube(2, 1000, 4);

        double meanPath = Arrays.stream(fresh).mapToDouble(forest::meanPathLength).average().orElseThrow();
        double meanScore = Arrays.stream(forest.score(fresh)).average().orElseThrow();

        // Without the c(size) term for leaves at the height limit the mean would be at most 8.
        assertThat(meanPath).isCloseTo(IsolationForestDetector.averagePathLength(256), withinPercentage(8));
        assertThat(meanScore).as("no distinct anomaly: s about 0.5").isCloseTo(0.5, offset(0.03));
    }

    @Test
    void shouldGiveTheSameScoresForTheSameSeedAndDifferentOnesForAnother() {
        EvalDataset data = SyntheticData.dataset(4, 800, 200, 20);

        double[] first = fitted(9, data.train()).score(data.test());
        double[] again = fitted(9, data.train()).score(data.test());
        double[] otherSeed = fitted(10, data.train()).score(data.test());

        assertThat(again).containsExactly(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void shouldGrowTreesOnEveryRowWhenThereAreFewerThan256() {
        double[][] train = SyntheticData.gaussianCluster(5, 50, 3);
        IsolationForestDetector forest = fitted(5, train);
        double[][] test = Arrays.copyOf(train, 51);
        test[50] = new double[] {6, -6, 6};

        double[] scores = forest.score(test);

        assertThat(forest.sampleSize()).isEqualTo(50);
        assertThat(Arrays.stream(scores)).allSatisfy(s -> assertThat(s).isGreaterThan(0).isLessThanOrEqualTo(1));
        assertThat(scores[50]).isGreaterThan(0.6).isEqualTo(Arrays.stream(scores).max().orElseThrow());
    }

    @Test
    void shouldSplitOnTheVaryingColumnWhenTheOthersAreConstant() {
        double[][] informative = SyntheticData.gaussianCluster(6, 1000, 1);
        double[][] train = new double[informative.length][];
        for (int i = 0; i < train.length; i++) {
            train[i] = new double[10];
            Arrays.fill(train[i], 3.0);
            train[i][4] = informative[i][0];
        }
        IsolationForestDetector forest = fitted(6, train);
        double[] outlier = train[0].clone();
        outlier[4] = 8;

        // Were a constant column drawn to end a node, most paths would stop at the root with
        // c(256) added, and every row would score about 0.5.
        assertThat(forest.score(new double[][] {outlier})[0]).isGreaterThan(0.6);
    }

    @Test
    void shouldScoreOneHalfWhenNoRowCanBeIsolated() {
        double[][] train = new double[300][];
        for (int i = 0; i < train.length; i++) {
            train[i] = new double[] {1, 2, 3};
        }
        IsolationForestDetector forest = fitted(1, train);

        assertThat(forest.score(new double[][] {{1, 2, 3}, {5, 5, 5}})).containsExactly(new double[] {0.5, 0.5}, offset(1e-12));
    }

    @Test
    void shouldRejectTooFewRowsAndRowsOfAnotherWidth() {
        IsolationForestDetector forest = new IsolationForestDetector(1);
        assertThatThrownBy(() -> forest.score(new double[][] {{1}})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> forest.fit(new double[][] {{1, 2}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2");
        forest.fit(new double[][] {{1, 2}, {3, 4}});
        assertThatThrownBy(() -> forest.score(new double[][] {{1, 2, 3}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fitted on 2");
    }

    @Test
    void shouldBeADefaultDetectorOfEvaluateNamedIforest() {
        assertThat(Detectors.defaults()).containsSubsequence("rcf", "iforest");
        Detector detector = Detectors.create("iforest", 42);
        assertThat(detector).isInstanceOf(IsolationForestDetector.class);
        assertThat(detector.name()).isEqualTo("iforest");
        assertThat(detector.calibratedThreshold()).isNull();
    }

    private static IsolationForestDetector fitted(long seed, double[][] train) {
        IsolationForestDetector forest = new IsolationForestDetector(seed);
        forest.fit(train);
        return forest;
    }
}
