package dev.vigil.model;

import java.util.Random;

/**
 * Seeded factor-analysis data x = W z + b + noise, z ~ N(0, I_k), noise ~ N(0, diag(psi)), whose
 * density log p(x) = log N(x; b, W W^T + diag(psi)) is known in closed form. Features get very
 * different raw scales so that the standardization's log-Jacobian matters. W is chosen as
 * diag(sqrt(psi)) Q diag(lambda) with orthonormal Q, which makes the true posterior p(z|x)
 * factorize: a diagonal-Gaussian encoder can then reach log p(x) exactly.
 */
final class LinearGaussian {

    final int dim;
    final int latent;
    final double[][] w;
    final double[] b;
    final double[] psi;
    private final double[][] choleskyLower;
    private final double logDet;

    LinearGaussian(int dim, int latent, long seed) {
        this.dim = dim;
        this.latent = latent;
        Random random = new Random(seed);
        double[] scale = new double[dim];
        psi = new double[dim];
        b = new double[dim];
        for (int j = 0; j < dim; j++) {
            scale[j] = Math.pow(10, 3 * random.nextDouble() - 1.5);
            double noise = 0.3 * scale[j];
            psi[j] = noise * noise;
            b[j] = 5 * scale[j] * random.nextGaussian();
        }
        double[][] q = orthonormalColumns(dim, latent, random);
        w = new double[dim][latent];
        for (int j = 0; j < dim; j++) {
            for (int k = 0; k < latent; k++) {
                double lambda = 2.0 + 2.0 * k;
                w[j][k] = Math.sqrt(psi[j]) * q[j][k] * lambda * Math.sqrt(dim / (double) latent) / 2;
            }
        }
        double[][] cov = new double[dim][dim];
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                double s = i == j ? psi[i] : 0;
                for (int k = 0; k < latent; k++) {
                    s += w[i][k] * w[j][k];
                }
                cov[i][j] = s;
            }
        }
        choleskyLower = cholesky(cov);
        double ld = 0;
        for (int i = 0; i < dim; i++) {
            ld += 2 * Math.log(choleskyLower[i][i]);
        }
        logDet = ld;
    }

    double[][] sample(int n, Random random) {
        double[][] rows = new double[n][dim];
        double[] z = new double[latent];
        for (double[] row : rows) {
            for (int k = 0; k < latent; k++) {
                z[k] = random.nextGaussian();
            }
            for (int j = 0; j < dim; j++) {
                double v = b[j] + Math.sqrt(psi[j]) * random.nextGaussian();
                for (int k = 0; k < latent; k++) {
                    v += w[j][k] * z[k];
                }
                row[j] = v;
            }
        }
        return rows;
    }

    /** -log p(x) in nats. */
    double negLogDensity(double[] x) {
        double[] y = new double[dim];
        for (int i = 0; i < dim; i++) {
            double s = x[i] - b[i];
            for (int k = 0; k < i; k++) {
                s -= choleskyLower[i][k] * y[k];
            }
            y[i] = s / choleskyLower[i][i];
        }
        double quad = 0;
        for (double v : y) {
            quad += v * v;
        }
        return 0.5 * (dim * Math.log(2 * Math.PI) + logDet + quad);
    }

    private static double[][] orthonormalColumns(int rows, int cols, Random random) {
        double[][] m = new double[rows][cols];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                m[r][c] = random.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int r = 0; r < rows; r++) {
                    dot += m[r][c] * m[r][p];
                }
                for (int r = 0; r < rows; r++) {
                    m[r][c] -= dot * m[r][p];
                }
            }
            double norm = 0;
            for (int r = 0; r < rows; r++) {
                norm += m[r][c] * m[r][c];
            }
            norm = Math.sqrt(norm);
            for (int r = 0; r < rows; r++) {
                m[r][c] /= norm;
            }
        }
        return m;
    }

    private static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        return l;
    }
}
