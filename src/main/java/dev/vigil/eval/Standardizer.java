package dev.vigil.eval;

/** Per-feature mean and standard deviation; a constant feature keeps unit scale so that it stays finite. */
final class Standardizer {
    final double[] mean;
    final double[] scale;

    private Standardizer(double[] mean, double[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    static Standardizer fit(double[][] rows) {
        int d = dimensions(rows);
        double[] mean = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= rows.length;
        }
        double[] scale = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                double c = row[j] - mean[j];
                scale[j] += c * c;
            }
        }
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(scale[j] / Math.max(1, rows.length - 1));
            // A feature constant in training would otherwise divide by zero; unit scale keeps its
            // test-time deviations visible in the units of the data.
            scale[j] = sd > 1e-12 ? sd : 1.0;
        }
        return new Standardizer(mean, scale);
    }

    double[] apply(double[] row) {
        if (row.length != mean.length) {
            throw new IllegalArgumentException("row has " + row.length + " features, the detector was fitted on " + mean.length);
        }
        double[] z = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            z[j] = (row[j] - mean[j]) / scale[j];
        }
        return z;
    }

    double[][] apply(double[][] rows) {
        double[][] z = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            z[i] = apply(rows[i]);
        }
        return z;
    }

    static int dimensions(double[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        int d = rows[0].length;
        for (double[] row : rows) {
            if (row.length != d) {
                throw new IllegalArgumentException("rows of different lengths: " + d + " and " + row.length);
            }
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("the baselines need finite values; found " + v);
                }
            }
        }
        return d;
    }

    /** Covariance of already centred rows (mean zero over {@code rows}), or of the selected rows around {@code center}. */
    static double[][] covariance(double[][] rows, double[] center) {
        int d = center.length;
        double[][] cov = new double[d][d];
        double[] c = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                c[j] = row[j] - center[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                double[] covA = cov[a];
                for (int b = a; b < d; b++) {
                    covA[b] += ca * c[b];
                }
            }
        }
        double n = Math.max(1, rows.length - 1);
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[a][b] /= n;
                cov[b][a] = cov[a][b];
            }
        }
        return cov;
    }

    static double[] mean(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < mean.length; j++) {
            mean[j] /= rows.length;
        }
        return mean;
    }
}
