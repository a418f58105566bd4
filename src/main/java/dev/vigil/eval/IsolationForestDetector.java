package dev.vigil.eval;

import java.util.SplittableRandom;

/**
 * Isolation Forest baseline (F. T. Liu, K. M. Ting and Z.-H. Zhou, "Isolation Forest", ICDM 2008,
 * doi:10.1109/ICDM.2008.17), with the paper's settings, which are also scikit-learn's
 * {@code IsolationForest} defaults: {@value #TREES} trees, each grown on
 * {@code psi = min(}{@value #MAX_SAMPLE_SIZE}{@code , n)} training rows drawn without replacement,
 * to a height limit of {@code ceil(log2(psi))}.
 *
 * <p>A node splits on a random feature at a value drawn uniformly between that feature's minimum
 * and maximum in the node. A feature that is constant in the node cannot split it, so the feature
 * is drawn again among the others (as scikit-learn does); a node where every feature is constant
 * becomes a leaf. The path length of a row in one tree is the number of edges to its leaf plus
 * {@link #averagePathLength c(size)}, the expected length of the subtree a leaf of that size stands
 * for. Score = {@code 2^(-E[h(x)] / c(psi))} in (0, 1]: near 1 for anomalies, about 0.5 or less
 * for typical rows, 0.5 when nothing can be isolated (the paper's Eq. 2).
 *
 * <p>Batch, unlike {@link RcfDetector}: the forest is grown once on the training rows and scoring
 * does not change it. Seeded: the same seed and data give the same scores. No attribution (the
 * paper defines none) and no calibrated threshold.
 */
public final class IsolationForestDetector implements Detector {

    public static final int TREES = 100;
    public static final int MAX_SAMPLE_SIZE = 256;

    private static final double EULER_GAMMA = 0.5772156649;
    private static final int LEAF = -1;

    private final long seed;
    private int dimensions;
    private int sampleSize;
    private Tree[] trees;

    public IsolationForestDetector(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "iforest";
    }

    /** psi, the rows each tree was grown on, after {@link #fit}. */
    public int sampleSize() {
        requireFit();
        return sampleSize;
    }

    @Override
    public void fit(double[][] train) {
        int d = Standardizer.dimensions(train);
        if (train.length < 2) {
            // With psi = 1 the normalizer c(psi) is 0 and the score undefined.
            throw new IllegalArgumentException("isolation forest needs at least 2 training rows, got " + train.length);
        }
        int psi = Math.min(MAX_SAMPLE_SIZE, train.length);
        int heightLimit = 32 - Integer.numberOfLeadingZeros(psi - 1); // ceil(log2(psi))
        SplittableRandom random = new SplittableRandom(seed);
        int[] rows = new int[train.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        Tree[] grown = new Tree[TREES];
        for (int t = 0; t < TREES; t++) {
            // A partial Fisher-Yates shuffle leaves a uniform sample without replacement in
            // rows[0, psi), whatever order the previous trees (which reorder that range) left behind.
            for (int i = 0; i < psi; i++) {
                swap(rows, i, i + random.nextInt(rows.length - i));
            }
            grown[t] = new Tree(train, rows, psi, d, heightLimit, random);
        }
        dimensions = d;
        sampleSize = psi;
        trees = grown;
    }

    @Override
    public double[] score(double[][] test) {
        requireFit();
        double normalizer = averagePathLength(sampleSize);
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            scores[i] = Math.pow(2, -meanPathLength(test[i]) / normalizer);
        }
        return scores;
    }

    /** E[h(x)]: the path length of {@code row} averaged over the trees. */
    double meanPathLength(double[] row) {
        requireFit();
        if (row.length != dimensions) {
            throw new IllegalArgumentException("row has " + row.length + " features, the detector was fitted on " + dimensions);
        }
        double sum = 0;
        for (Tree tree : trees) {
            sum += tree.pathLength(row);
        }
        return sum / trees.length;
    }

    /**
     * c(n), the average path length of an unsuccessful search in a binary search tree of n
     * nodes: {@code 2 H(n - 1) - 2 (n - 1) / n} with {@code H(i) ~ ln(i) + 0.5772156649};
     * c(2) = 1 and c(1) = c(0) = 0.
     */
    static double averagePathLength(int n) {
        if (n <= 1) {
            return 0;
        }
        if (n == 2) {
            return 1;
        }
        return 2 * (Math.log(n - 1) + EULER_GAMMA) - 2.0 * (n - 1) / n;
    }

    private void requireFit() {
        if (trees == null) {
            throw new IllegalStateException("fit before score");
        }
    }

    private static void swap(int[] a, int i, int j) {
        int tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }

    /**
     * One isolation tree in flat arrays, nodes in creation order, the root at 0. An internal node
     * sends a row left when {@code row[feature] <= threshold}; a leaf ({@code feature == LEAF})
     * holds its finished path length, depth + c(size), in {@code threshold}.
     */
    private static final class Tree {
        private final int[] feature;
        private final double[] threshold;
        private final int[] left;
        private final int[] right;
        private int nodes;

        Tree(double[][] data, int[] rows, int psi, int d, int heightLimit, SplittableRandom random) {
            int capacity = 2 * psi - 1;
            feature = new int[capacity];
            threshold = new double[capacity];
            left = new int[capacity];
            right = new int[capacity];
            grow(data, rows, 0, psi, 0, heightLimit, new int[d], random);
        }

        /** Grows the subtree of {@code rows[from, to)} (reordering them) at {@code depth}; returns its node index. */
        private int grow(double[][] data, int[] rows, int from, int to, int depth, int heightLimit, int[] features,
                SplittableRandom random) {
            int node = nodes++;
            int size = to - from;
            if (depth >= heightLimit || size <= 1) {
                return leaf(node, depth, size);
            }
            for (int j = 0; j < features.length; j++) {
                features[j] = j;
            }
            // Draw features without replacement until one varies in this node: a uniform choice
            // among the non-constant features.
            for (int remaining = features.length; remaining > 0; remaining--) {
                int pick = random.nextInt(remaining);
                int f = features[pick];
                features[pick] = features[remaining - 1];
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = from; i < to; i++) {
                    double v = data[rows[i]][f];
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                if (min < max) {
                    double split = min + random.nextDouble() * (max - min);
                    if (split >= max) {
                        split = min; // rounding; keeps both sides non-empty
                    }
                    int mid = partition(data, rows, from, to, f, split);
                    feature[node] = f;
                    threshold[node] = split;
                    left[node] = grow(data, rows, from, mid, depth + 1, heightLimit, features, random);
                    right[node] = grow(data, rows, mid, to, depth + 1, heightLimit, features, random);
                    return node;
                }
            }
            return leaf(node, depth, size);
        }

        private int leaf(int node, int depth, int size) {
            feature[node] = LEAF;
            threshold[node] = depth + averagePathLength(size);
            return node;
        }

        /** Moves the rows with {@code row[f] <= split} to the front of [from, to); returns where the rest start. */
        private static int partition(double[][] data, int[] rows, int from, int to, int f, double split) {
            int mid = from;
            for (int i = from; i < to; i++) {
                if (data[rows[i]][f] <= split) {
                    swap(rows, i, mid++);
                }
            }
            return mid;
        }

        double pathLength(double[] row) {
            int node = 0;
            while (feature[node] != LEAF) {
                node = row[feature[node]] <= threshold[node] ? left[node] : right[node];
            }
            return threshold[node];
        }
    }
}
