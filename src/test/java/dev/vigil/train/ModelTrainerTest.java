package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.TrainingListener;
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
}
