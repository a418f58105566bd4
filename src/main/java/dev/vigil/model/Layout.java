package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;

/**
 * How a record in spec order maps onto the network: numeric features (standardized value and a
 * presence mask), categorical features (one-hot block and a presence mask), and the widths of
 * the encoder input and decoder output. Also turns rows into the arrays that are fed.
 */
final class Layout {

    /** Standardized values are clamped to this magnitude so that absurd inputs still give finite scores. */
    static final double CLAMP = 1e6;

    final FeatureSpec spec;
    final int[] numeric;
    final int[] categorical;
    final int[] catOffset;
    final int[] catSize;
    final int catWidth;

    Layout(FeatureSpec featureSpec) {
        FeatureSpec spec = featureSpec.modelInput();
        this.spec = spec;
        int nNum = 0;
        for (FeatureSpec.Feature f : spec.features()) {
            nNum += f.isNumeric() ? 1 : 0;
        }
        numeric = new int[nNum];
        categorical = new int[spec.size() - nNum];
        catOffset = new int[categorical.length];
        catSize = new int[categorical.length];
        int n = 0;
        int c = 0;
        int width = 0;
        for (int j = 0; j < spec.size(); j++) {
            FeatureSpec.Feature f = spec.feature(j);
            if (f.isNumeric()) {
                numeric[n++] = j;
            } else {
                categorical[c] = j;
                catOffset[c] = width;
                catSize[c] = f.cardinality();
                width += f.cardinality();
                c++;
            }
        }
        catWidth = width;
    }

    int numNumeric() {
        return numeric.length;
    }

    int numCategorical() {
        return categorical.length;
    }

    /** Encoder input: values and one-hots, then one presence mask per feature. */
    int inputWidth() {
        return numeric.length + catWidth + numeric.length + categorical.length;
    }

    /** The arrays fed to the graph for a batch of rows. */
    static final class Inputs {
        final int rows;
        final float[] xNum;
        final float[] mNum;
        final float[] xCat;
        final float[] mCat;

        Inputs(int rows, int nNum, int catWidth, int nCat) {
            this.rows = rows;
            xNum = new float[rows * nNum];
            mNum = new float[rows * nNum];
            xCat = new float[rows * catWidth];
            mCat = new float[rows * nCat];
        }
    }

    /**
     * Standardizes numeric values (missing: value 0, mask 0) and one-hot encodes categories
     * (missing: all zeros, mask 0).
     *
     * @throws IllegalArgumentException on a row of the wrong length, an infinite value or an invalid category index
     */
    Inputs encode(double[][] rows, int from, int to, Normalization norm) {
        int b = to - from;
        int nNum = numeric.length;
        int nCat = categorical.length;
        Inputs in = new Inputs(b, nNum, catWidth, nCat);
        for (int r = 0; r < b; r++) {
            double[] row = rows[from + r];
            if (row == null || row.length != spec.size()) {
                throw new IllegalArgumentException("row " + (from + r) + " has " + (row == null ? 0 : row.length)
                        + " values, the spec " + spec.size());
            }
            for (int i = 0; i < nNum; i++) {
                int j = numeric[i];
                double v = row[j];
                if (Double.isNaN(v)) {
                    continue;
                }
                if (Double.isInfinite(v)) {
                    throw new IllegalArgumentException("row " + (from + r) + ": feature '" + spec.feature(j).name() + "' is infinite");
                }
                double z = (v - norm.center(j)) / norm.scale(j);
                in.xNum[r * nNum + i] = (float) Math.max(-CLAMP, Math.min(CLAMP, z));
                in.mNum[r * nNum + i] = 1f;
            }
            for (int c = 0; c < nCat; c++) {
                double v = row[categorical[c]];
                if (Double.isNaN(v)) {
                    continue;
                }
                int k = (int) v;
                if (k != v || k < 0 || k >= catSize[c]) {
                    throw new IllegalArgumentException("row " + (from + r) + ": feature '" + spec.feature(categorical[c]).name()
                            + "' has category index " + v + ", expected 0.." + (catSize[c] - 1));
                }
                in.xCat[r * catWidth + catOffset[c] + k] = 1f;
                in.mCat[r * nCat + c] = 1f;
            }
        }
        return in;
    }
}
