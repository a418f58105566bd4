package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.TrainingListener;
import dev.vigil.model.VaeScorer;
import dev.vigil.model.VaeConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelTrainerTest {

    private static final FeatureSpec SPEC = FeatureSpec.numeric(3);

    private static double[][] rows(int n, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            rows[i] = new double[] {a, 2 * a + 0.1 * random.nextGaussian(), random.nextGaussian()};
        }
        return rows;
    }

    private static ModelTrainer.Trained train(double[][] rows) {
        return ModelTrainer.train(SPEC, rows, VaeConfig.defaults(SPEC).withEpochs(20), CalibrationSettings.defaults(),
                TrainingListener.NONE);
    }

    @Test
    void shouldCrossFitTheCalibrationOfASmallSetAndTrainOnEveryRow() {
        ModelTrainer.Trained trained = train(rows(120, 1));

        assertThat(trained.heldOut()).isEmpty();
        assertThat(trained.bundle().training().records()).isEqualTo(120);
        Calibration calibration = Calibration.fromBytes(trained.bundle().calibration());
        assertThat(calibration.threshold()).isFinite();
    }

    @Test
    void shouldHoldOutAFifthOr500RowsButAtMostHalfFromTheCrossFitLimitOn() {
        ModelTrainer.Trained atLimit = train(rows(ModelTrainer.CROSS_FIT_ROWS, 2));
        ModelTrainer.Trained large = train(rows(3_000, 4));

        assertThat(atLimit.heldOut().length).isEqualTo(ModelTrainer.CROSS_FIT_ROWS / 2);
        assertThat(atLimit.bundle().training().records()).isEqualTo(ModelTrainer.CROSS_FIT_ROWS / 2);
        assertThat(large.heldOut().length).isEqualTo(600);
        assertThat(large.bundle().training().records()).isEqualTo(2_400);
    }

    @Test
    void shouldRefuseFewerRowsThanItCanCalibrateWith() {
        assertThatThrownBy(() -> train(rows(ModelTrainer.MIN_ROWS - 1, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("need at least 100 rows to train and calibrate a model, got 99");
    }

    @Test
    void shouldFitOnlyTrainableRowsAndCalibrateOnAnyHeldOutRow() {
        // Every tenth row a little off the line and not to be fitted: the tail a calibration has to see.
        double[][] rows = rows(3_000, 5);
        boolean[] trainable = new boolean[rows.length];
        java.util.Arrays.fill(trainable, true);
        for (int i = 0; i < rows.length; i += 10) {
            rows[i][1] += 1;
            trainable[i] = false;
        }

        ModelTrainer.Trained trained = ModelTrainer.train(SPEC, rows, trainable, VaeConfig.defaults(SPEC).withEpochs(20),
                CalibrationSettings.defaults(), TrainingListener.NONE);

        // 600 rows held out; the gate compares on the trainable ones, and the other trainable rows were fitted.
        int heldOutTrainable = trained.heldOut().length;
        assertThat(heldOutTrainable).isBetween(600 - 90, 600 - 30);
        assertThat(java.util.Arrays.asList(trained.heldOut())).allSatisfy(r -> assertThat(Math.abs(r[1] - 2 * r[0])).isLessThan(0.9));
        assertThat(trained.bundle().training().records()).as("rows fitted").isEqualTo(2_700 - heldOutTrainable);
        // Held out, the tail rows are a tenth of the calibration, so the threshold for 0.1% lies among them.
        double[][] tail = rows(2_000, 7);
        for (double[] r : tail) {
            r[1] += 1;
        }
        Calibration calibration = Calibration.fromBytes(trained.bundle().calibration());
        try (VaeScorer scorer = VaeScorer.open(trained.bundle())) {
            ScoreBatch batch = scorer.score(tail);
            long flagged = java.util.stream.IntStream.range(0, tail.length).filter(i -> batch.score(i) >= calibration.threshold()).count();
            assertThat(flagged).as("tail rows flagged, of 2,000").isLessThan(20);
        }
    }

    @Test
    void shouldRefuseAMaskOfTheWrongLengthOrTooFewTrainableRows() {
        double[][] rows = rows(1_000, 6);
        assertThatThrownBy(() -> ModelTrainer.train(SPEC, rows, new boolean[999], VaeConfig.defaults(SPEC),
                CalibrationSettings.defaults(),
                TrainingListener.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessage("trainable has 999 flags for 1000 rows");
        assertThatThrownBy(() -> ModelTrainer.train(SPEC, rows, new boolean[1_000], VaeConfig.defaults(SPEC),
                CalibrationSettings.defaults(),
                TrainingListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("need at least 100 trainable rows to train a model, got 0");
    }
}
