package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("functional")
class EvaluationTest {

    private static final int NORMAL = 1800;
    private static final int ANOMALIES = 200;

    @Test
    void shouldRankObviousAnomaliesHighAndRandomScoresNearOneHalf() {
        EvalDataset data = SyntheticData.dataset(7, 3000, NORMAL, ANOMALIES);
        List<EvalResult> results = Evaluation.run(data,
                List.of(new PcaDetector(), new MahalanobisDetector(), new RcfDetector(7), new RandomDetector(7)));

        assertThat(results).extracting(EvalResult::detector).containsExactly("pca", "mahalanobis", "rcf", "random");
        assertThat(results.get(0).auroc()).isGreaterThan(0.95);
        assertThat(results.get(1).auroc()).isGreaterThan(0.95);
        // Under H0 the Mann-Whitney AUROC has standard deviation sqrt((n1 + n0 + 1) / (12 n1 n0)) ~ 0.0215
        // here; five of them (0.11) bound a seeded draw with room to spare and still fail a detector that
        // peeks at the data.
        double sd = Math.sqrt((NORMAL + ANOMALIES + 1) / (12.0 * NORMAL * ANOMALIES));
        assertThat(results.get(3).auroc()).isBetween(0.5 - 5 * sd, 0.5 + 5 * sd);
        assertThat(results.get(3).auprc()).isLessThan(results.get(0).auprc());
    }

    @Test
    void shouldReportUndefinedAndInapplicableMetricsAsNull() {
        EvalResult r = Evaluation.evaluate(SyntheticData.dataset(1, 500, 180, 20), new PcaDetector());
        assertThat(r.fprAtThreshold()).isNull(); // no calibrated threshold
        assertThat(r.hitRateAt3()).isNull(); // no interpretation labels
        assertThat(r.toMap()).containsOnlyKeys("dataset", "detector", "auroc", "auprc", "best_f1", "f1_at_threshold",
                "pa_f1", "fpr_at_threshold", "hitrate_at_3", "train_seconds", "score_seconds");
        assertThat(r.toMap().values()).noneMatch(v -> v instanceof Double d && d.isNaN());

        EvalDataset noAnomalies = new EvalDataset("clean", new double[][] {{0, 1}, {1, 0}, {1, 1}},
                new double[][] {{0, 1}, {2, 2}}, new int[] {0, 0}, null);
        EvalResult undefined = Evaluation.evaluate(noAnomalies, new PcaDetector());
        assertThat(undefined.auroc()).isNull();
        assertThat(undefined.auprc()).isNull();
        assertThat(undefined.bestF1()).isNull();
    }

    @Test
    void shouldUseTheCalibratedThresholdForFalsePositiveRate() {
        Detector fixed = new Detector() {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            public void fit(double[][] train) {
            }

            @Override
            public double[] score(double[][] test) {
                return new double[] {0.1, 0.6, 0.7, 0.9};
            }

            @Override
            public Double calibratedThreshold() {
                return 0.5;
            }
        };
        EvalDataset data = new EvalDataset("four", new double[][] {{0}}, new double[][] {{0}, {0}, {0}, {0}},
                new int[] {0, 0, 1, 1}, null);
        EvalResult r = Evaluation.evaluate(data, fixed);
        assertThat(r.fprAtThreshold()).isEqualTo(0.5); // 0.6 of {0.1, 0.6}
        assertThat(r.f1AtThreshold()).isEqualTo(0.8); // TP 2, FP 1
    }

    @Test
    void shouldGiveNoThresholdMetricsToADetectorWithoutACalibratedThreshold() {
        EvalDataset data = SyntheticData.dataset(3, 1000, 450, 50);
        EvalResult r = Evaluation.evaluate(data, new PcaDetector());
        assertThat(r.bestF1()).isNotNull();
        assertThat(r.f1AtThreshold()).as("an F1 at a threshold picked with the test labels is not deployable").isNull();
        assertThat(r.fprAtThreshold()).isNull();
    }

    @Test
    void shouldGiveTheSameNumbersForTheSameSeed() {
        EvalDataset a = SyntheticData.dataset(3, 1000, 450, 50);
        EvalDataset b = SyntheticData.dataset(3, 1000, 450, 50);
        EvalResult first = Evaluation.evaluate(a, new RcfDetector(11));
        EvalResult second = Evaluation.evaluate(b, new RcfDetector(11));
        assertThat(second.auroc()).isEqualTo(first.auroc());
        assertThat(second.auprc()).isEqualTo(first.auprc());
    }

    @Test
    void shouldAttributeAnOffPlaneAnomalyToThePushedFeature() {
        EvalDataset data = SyntheticData.dataset(5, 2000, 10, 0);
        double[] pushed = data.test()[0].clone();
        pushed[4] += 3;
        for (Detector d : List.of(new PcaDetector(), new MahalanobisDetector())) {
            d.fit(data.train());
            assertThat(d.topFeatures(new double[][] {pushed}, 3)[0][0]).as(d.name()).isEqualTo(4);
        }
    }

    @Test
    void shouldWhitenSoThatTheSquaredLengthIsTheMahalanobisScore() {
        MahalanobisDetector d = new MahalanobisDetector();
        d.fit(SyntheticData.dataset(9, 1500, 100, 20).train());
        d.whiten(SyntheticData.dataset(9, 1500, 100, 20).test()[0]); // the whitening of this first fit ...
        EvalDataset data = SyntheticData.dataset(3, 1500, 100, 20);
        d.fit(data.train()); // ... must not outlive a new fit
        double[] scores = d.score(data.test());
        for (int i = 0; i < data.test().length; i++) {
            double length = 0;
            for (double w : d.whiten(data.test()[i])) {
                length += w * w;
            }
            assertThat(length).isCloseTo(scores[i], Percentage.withPercentage(1e-6));
        }
    }
}
