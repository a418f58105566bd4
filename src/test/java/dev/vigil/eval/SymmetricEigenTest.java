package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void shouldFindEigenvaluesOfASmallMatrixLargestFirst() {
        SymmetricEigen e = SymmetricEigen.of(new double[][] {{2, 1}, {1, 2}});
        assertThat(e.values).containsExactly(new double[] {3, 1}, within(1e-12));
        assertThat(Math.abs(e.vectors[0][0])).isCloseTo(Math.sqrt(0.5), within(1e-12));
    }

    @Test
    void shouldReconstructARandomSymmetricMatrix() {
        int n = 30;
        SplittableRandom random = new SplittableRandom(1);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i][j] = a[j][i] = random.nextDouble(-1, 1);
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += e.values[k] * e.vectors[k][i] * e.vectors[k][j];
                }
                assertThat(sum).isCloseTo(a[i][j], within(1e-9));
            }
            assertThat(SymmetricEigen.dot(e.vectors[i], e.vectors[i])).isCloseTo(1, within(1e-9));
        }
    }

    @Test
    void shouldKeepMahalanobisDistancesFiniteOnASingularCovariance() {
        // Second feature constant: singular covariance, still invertible after the eigenvalue floor.
        double[][] inverse = MahalanobisDetector.regularizedInverse(new double[][] {{1, 0}, {0, 0}});
        assertThat(inverse[0][0]).isCloseTo(1, within(1e-12));
        assertThat(inverse[1][1]).isFinite().isGreaterThan(1);
    }
}
