package dev.vigil.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeneralizedParetoTest {

    private static final int EXCESSES = 5_000;
    private static final int SEEDS = 10;

    /**
     * Tolerance: 4 asymptotic standard errors of the maximum-likelihood estimate, which for n
     * excesses are (1 + xi) / sqrt(n) for the shape and sqrt(2 (1 + xi) / n) for the relative
     * scale (Smith 1985, valid for xi > -1/2). With n = 5,000 that is 0.034 to 0.085 for the shape.
     */
    @ParameterizedTest
    @CsvSource({"-0.4, 1.0", "-0.2, 2.0", "0.0, 1.0", "0.1, 0.5", "0.25, 1.0", "0.5, 3.0", "1.0, 1.0"})
    void shouldRecoverKnownShapeAndScaleFromSimulatedExcesses(double shape, double scale) {
        GeneralizedPareto truth = new GeneralizedPareto(shape, scale);
        double shapeTolerance = 4 * (1 + shape) / Math.sqrt(EXCESSES);
        double scaleTolerance = 4 * Math.sqrt(2 * (1 + shape) / EXCESSES);
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] excesses = new double[EXCESSES];
            for (int i = 0; i < EXCESSES; i++) {
                excesses[i] = truth.inverseSurvival(1 - random.nextDouble());
            }
            GeneralizedPareto fitted = GeneralizedPareto.fit(excesses);
            assertThat(fitted.shape()).as("shape, seed %d", seed).isCloseTo(shape, within(shapeTolerance));
            assertThat(fitted.scale() / scale).as("relative scale, seed %d", seed).isCloseTo(1, within(scaleTolerance));
        }
    }

    @Test
    void shouldFindTheLikelihoodMaximumOnBothSidesOfZero() {
        SplittableRandom random = new SplittableRandom(7);
        for (double shape : new double[] {-0.3, 0.3}) {
            GeneralizedPareto truth = new GeneralizedPareto(shape, 1);
            double[] excesses = new double[500];
            for (int i = 0; i < excesses.length; i++) {
                excesses[i] = truth.inverseSurvival(1 - random.nextDouble());
            }
            GeneralizedPareto fitted = GeneralizedPareto.fit(excesses);
            double best = fitted.logLikelihood(excesses);
            // No nearby parameter pair does better: the fit is a maximum, not just a stationary point.
            for (double dShape : new double[] {-0.01, 0, 0.01}) {
                for (double dScale : new double[] {0.99, 1, 1.01}) {
                    GeneralizedPareto other = new GeneralizedPareto(fitted.shape() + dShape, fitted.scale() * dScale);
                    assertThat(other.logLikelihood(excesses)).isLessThanOrEqualTo(best + 1e-9);
                }
            }
            assertThat(best).isGreaterThan(truth.logLikelihood(excesses));
        }
    }

    @ParameterizedTest
    @CsvSource({"-0.5, 2.0", "0.0, 1.5", "0.7, 0.3"})
    void shouldInvertCdfAndSurvival(double shape, double scale) {
        GeneralizedPareto gpd = new GeneralizedPareto(shape, scale);
        for (double p : new double[] {0, 1e-6, 0.1, 0.5, 0.9, 0.999}) {
            double y = gpd.quantile(p);
            assertThat(gpd.cdf(y)).isCloseTo(p, within(1e-12));
        }
        for (double q : new double[] {1e-12, 1e-6, 0.01, 0.5}) {
            double y = gpd.inverseSurvival(q);
            assertThat(gpd.survival(y) / q).isCloseTo(1, within(1e-9));
        }
        assertThat(gpd.survival(-1)).isEqualTo(1);
        assertThat(gpd.cdf(0)).isEqualTo(0);
    }

    @Test
    void shouldEndTheSupportAtMinusScaleOverShapeForNegativeShape() {
        GeneralizedPareto gpd = new GeneralizedPareto(-0.5, 2);
        assertThat(gpd.upperEndPoint()).isEqualTo(4);
        assertThat(gpd.survival(4)).isZero();
        assertThat(gpd.survival(3.999)).isPositive();
        assertThat(gpd.inverseSurvival(0)).isEqualTo(4);
        assertThat(new GeneralizedPareto(0.2, 1).upperEndPoint()).isInfinite();
    }

    @Test
    void shouldMatchExponentialWhenShapeIsZero() {
        GeneralizedPareto gpd = new GeneralizedPareto(0, 2);
        assertThat(gpd.survival(3)).isCloseTo(Math.exp(-1.5), within(1e-15));
        assertThat(new GeneralizedPareto(1e-9, 2).survival(3)).isCloseTo(Math.exp(-1.5), within(1e-8));
    }

    @Test
    void shouldFallBackToAFiniteFitForDegenerateExcesses() {
        GeneralizedPareto allEqual = GeneralizedPareto.fit(new double[] {2, 2, 2, 2, 2});
        assertThat(allEqual.scale()).isPositive().isFinite();
        assertThat(allEqual.logLikelihood(new double[] {2, 2, 2, 2, 2})).isFinite();

        GeneralizedPareto twoValues = GeneralizedPareto.fit(new double[] {0, 0, 0, 1, 1, 1});
        assertThat(twoValues.logLikelihood(new double[] {0, 0, 0, 1, 1, 1})).isFinite();
    }

    @Test
    void shouldRejectExcessesThatCannotBeFitted() {
        assertThatThrownBy(() -> GeneralizedPareto.fit(new double[] {0, 0, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneralizedPareto.fit(new double[] {1, -1, 2})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneralizedPareto.fit(new double[] {1, Double.NaN})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneralizedPareto.fit(new double[] {1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GeneralizedPareto(0.1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
