package dev.vigil.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The score of one record and its explanation: {@link #score()} = {@link #kl()} + the sum of
 * {@link #featureTerms()}, all in nats. A feature's term is its share of -ELBO (its negative
 * log-likelihood given z, averaged over the model's fixed samples, in raw units); a missing
 * feature's term is exactly 0. Arrays are in spec order.
 */
public final class RecordScore {

    private final double score;
    private final double kl;
    private final double[] featureTerms;
    private final double[] expected;
    private final boolean[] missing;

    public RecordScore(double kl, double[] featureTerms, double[] expected, boolean[] missing) {
        if (featureTerms.length != expected.length || featureTerms.length != missing.length) {
            throw new IllegalArgumentException("featureTerms, expected and missing must have one entry per feature");
        }
        this.kl = kl;
        this.featureTerms = featureTerms.clone();
        this.expected = expected.clone();
        this.missing = missing.clone();
        double sum = kl;
        for (double t : featureTerms) {
            sum += t;
        }
        this.score = sum;
    }

    /** -ELBO in nats: high means unlikely under the model of normal traffic. */
    public double score() {
        return score;
    }

    /** KL(q(z|x) || N(0, I)) in nats: how unusual the record's latent code is. */
    public double kl() {
        return kl;
    }

    public double[] featureTerms() {
        return featureTerms.clone();
    }

    /**
     * The feature terms with NaN for missing features (instead of their exact 0), for
     * calibrations and tail estimates, which must leave missing features out.
     */
    public double[] featureTermsMissingAsNaN() {
        double[] terms = featureTerms.clone();
        for (int j = 0; j < terms.length; j++) {
            if (missing[j]) {
                terms[j] = Double.NaN;
            }
        }
        return terms;
    }

    public double featureTerm(int feature) {
        return featureTerms[feature];
    }

    /** Numeric: the decoder's mean in raw units; categorical: the most likely category index. */
    public double[] expected() {
        return expected.clone();
    }

    public double expected(int feature) {
        return expected[feature];
    }

    public boolean[] missing() {
        return missing.clone();
    }

    public boolean missing(int feature) {
        return missing[feature];
    }

    public int featureCount() {
        return featureTerms.length;
    }

    /** Indices of the (at most) k features with the largest terms, largest first; ties by index. */
    public int[] topFeatures(int k) {
        return IntStream.range(0, featureTerms.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -featureTerms[i]).thenComparingInt(i -> i))
                .limit(Math.max(0, k)).mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return "RecordScore[score=" + score + ", kl=" + kl + ", terms=" + Arrays.toString(featureTerms) + "]";
    }
}
