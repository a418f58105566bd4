package dev.vigil.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VaeTrainerTest {

    private static final LinearGaussian DATA = new LinearGaussian(6, 2, 21);
    private static final FeatureSpec SPEC = FeatureSpec.numeric(6);

    private static VaeConfig quick() {
        return VaeConfig.defaults(SPEC).withEpochs(4).withKlWarmupEpochs(1);
    }

    @Test
    void shouldTrainReproduciblyForTheSameSeedAndData() {
        double[][] rows = DATA.sample(2000, new Random(1));

        ModelBundle a = VaeTrainer.train(SPEC, rows, quick(), TrainingListener.NONE);
        ModelBundle b = VaeTrainer.train(SPEC, rows, quick(), TrainingListener.NONE);
        ModelBundle c = VaeTrainer.train(SPEC, rows, quick().withSeed(43), TrainingListener.NONE);

        assertThat(b.weights()).isEqualTo(a.weights());
        assertThat(b.training().validationLoss()).isEqualTo(a.training().validationLoss());
        assertThat(c.weights()).isNotEqualTo(a.weights());
    }

    @Test
    void shouldNotLearnContaminationItTrimsAway() {
        // 8% of the training rows sit far off the data's plane: trimmed, the model never learns them.
        Random random = new Random(5);
        double[][] rows = DATA.sample(2000, random);
        for (int i = 0; i < rows.length; i += 12) {
            rows[i][random.nextInt(6)] += 6 + 2 * random.nextDouble();
        }
        double[][] probe = DATA.sample(300, new Random(6));
        double[][] shifted = DATA.sample(300, new Random(7));
        for (double[] row : shifted) {
            row[0] += 7;
        }
        VaeConfig plain = VaeConfig.defaults(SPEC).withEpochs(30);

        double plainGap = meanScore(VaeTrainer.train(SPEC, rows, plain, TrainingListener.NONE), shifted)
                - meanScore(VaeTrainer.train(SPEC, rows, plain, TrainingListener.NONE), probe);
        ModelBundle trimmed = VaeTrainer.train(SPEC, rows, plain.withTrimMaxShare(0.25), TrainingListener.NONE);
        double trimmedGap = meanScore(trimmed, shifted) - meanScore(trimmed, probe);

        assertThat(trimmedGap).isGreaterThan(plainGap);
    }

    private static double meanScore(ModelBundle bundle, double[][] rows) {
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(rows);
            double sum = 0;
            for (int i = 0; i < batch.size(); i++) {
                sum += batch.score(i);
            }
            return sum / batch.size();
        }
    }

    @Test
    void shouldReportEveryEpochAndRecordTheTrainingRun() {
        List<double[]> epochs = new ArrayList<>();
        double[][] rows = DATA.sample(1000, new Random(2));

        ModelBundle bundle = VaeTrainer.train(SPEC, rows, quick(), (e, t, v, s) -> epochs.add(new double[] {e, t, v, s}));

        TrainingInfo info = bundle.training();
        assertThat(epochs).hasSize(info.epochs());
        assertThat(info.records()).isEqualTo(1000);
        assertThat(info.validationRecords()).isEqualTo(100);
        assertThat(info.trainLoss()).hasSize(info.epochs()).allMatch(Double::isFinite);
        assertThat(info.validationLoss()).allMatch(Double::isFinite);
        assertThat(info.trainLoss().get(info.epochs() - 1)).isLessThan(info.trainLoss().get(0));
        assertThat(epochs.get(0)[0]).isEqualTo(1);
        assertThat(bundle.version()).isZero();
        assertThat(java.util.Arrays.stream(bundle.normalization().scale()).min().getAsDouble()).isPositive();
    }

    @Test
    void shouldTrainWithMissingValuesAndNoValidationSplit() {
        double[][] rows = DATA.sample(1000, new Random(3));
        Random random = new Random(4);
        for (double[] row : rows) {
            if (random.nextDouble() < 0.3) {
                row[2] = Double.NaN;
            }
        }

        ModelBundle bundle = VaeTrainer.train(SPEC, rows, quick().withValidationFraction(0), TrainingListener.NONE);

        assertThat(bundle.training().validationLoss()).allMatch(v -> Double.isNaN(v));
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(rows);
            for (int i = 0; i < rows.length; i++) {
                assertThat(batch.score(i)).isFinite();
                assertThat(batch.get(i).featureTerm(2) == 0).isEqualTo(Double.isNaN(rows[i][2]));
            }
        }
    }

    @Test
    void shouldFailClearlyWhenTheLossDiverges() {
        double[][] rows = DATA.sample(500, new Random(5));
        VaeConfig reckless = quick().withLearningRate(1e9).withGradientClipNorm(0).withLogVarFloor(-60);

        assertThatThrownBy(() -> VaeTrainer.train(SPEC, rows, reckless, TrainingListener.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("diverged");
    }

    @Test
    void shouldRefuseTooFewRecords() {
        assertThatThrownBy(() -> VaeTrainer.train(SPEC, new double[1][6], quick(), TrainingListener.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
