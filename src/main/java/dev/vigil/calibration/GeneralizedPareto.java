package dev.vigil.calibration;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * The generalized Pareto distribution (GPD) of excesses {@code y >= 0} over a high threshold, with
 * shape {@code xi} and scale {@code sigma > 0}:
 *
 * <pre>
 *   P(Y > y) = (1 + xi * y / sigma)^(-1/xi)   for xi != 0
 *   P(Y > y) = exp(-y / sigma)                for xi == 0
 * </pre>
 *
 * <p>By the Pickands–Balkema–de Haan theorem the excesses of almost any distribution over a high
 * enough threshold are close to a GPD, which is what lets peaks-over-threshold estimate rates far
 * rarer than the sample can show. {@code xi > 0} is a heavy (polynomial) tail, {@code xi == 0} an
 * exponential one, {@code xi < 0} a tail with a finite end point at {@code -sigma / xi}.
 *
 * @param shape xi, any finite value
 * @param scale sigma, finite and positive
 */
public record GeneralizedPareto(@JsonProperty("shape") double shape, @JsonProperty("scale") double scale) {

    /** Below this |xi| the exponential limit is used: the general formulas lose precision there. */
    private static final double EXPONENTIAL_SHAPE = 1e-12;

    /** Shapes below -1 have no maximum-likelihood estimate (the likelihood is unbounded at the end point). */
    private static final double MIN_SHAPE = -1.0;

    public GeneralizedPareto {
        if (!Double.isFinite(shape)) {
            throw new IllegalArgumentException("GPD shape must be finite, got " + shape);
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("GPD scale must be finite and positive, got " + scale);
        }
    }

    /** P(Y <= y). */
    public double cdf(double y) {
        return -expm1OfLogSurvival(y);
    }

    /** P(Y > y); 1 for {@code y <= 0}, 0 beyond the end point of a tail with {@code xi < 0}. */
    public double survival(double y) {
        return Math.exp(logSurvival(y));
    }

    /** The {@code p}-quantile: the excess {@code y} with {@code P(Y <= y) = p}, for p in [0, 1]. */
    public double quantile(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        return excessForLogSurvival(Math.log1p(-p));
    }

    /**
     * The excess {@code y} with {@code P(Y > y) = q}, for q in [0, 1]. Unlike {@code quantile(1 - q)}
     * this keeps full precision for tiny tail probabilities.
     */
    public double inverseSurvival(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + q);
        }
        return excessForLogSurvival(Math.log(q));
    }

    /** The end point of the support: {@code -sigma / xi} for {@code xi < 0}, else infinity. */
    public double upperEndPoint() {
        return shape < -EXPONENTIAL_SHAPE ? -scale / shape : Double.POSITIVE_INFINITY;
    }

    /** Log-likelihood of the excesses; {@code -infinity} if one of them lies outside the support. */
    public double logLikelihood(double[] excesses) {
        double sum = 0;
        for (double y : excesses) {
            double z = shape * y / scale;
            if (y < 0 || z <= -1) {
                return Double.NEGATIVE_INFINITY;
            }
            sum += Math.abs(shape) < EXPONENTIAL_SHAPE ? -y / scale : -(1 + 1 / shape) * Math.log1p(z);
        }
        return sum - excesses.length * Math.log(scale);
    }

    private double logSurvival(double y) {
        if (y <= 0) {
            return 0;
        }
        if (Math.abs(shape) < EXPONENTIAL_SHAPE) {
            return -y / scale;
        }
        double z = shape * y / scale;
        return z <= -1 ? Double.NEGATIVE_INFINITY : -Math.log1p(z) / shape;
    }

    private double expm1OfLogSurvival(double y) {
        return Math.expm1(logSurvival(y));
    }

    private double excessForLogSurvival(double logQ) {
        if (Math.abs(shape) < EXPONENTIAL_SHAPE) {
            return -scale * logQ;
        }
        // sigma/xi * (q^-xi - 1), written with expm1 so that q near 1 keeps its precision.
        return scale / shape * Math.expm1(-shape * logQ);
    }

    /**
     * Fits a GPD to excesses over a threshold.
     *
     * <p>The estimate is the maximum of the profile likelihood in {@code theta = xi / sigma}, the
     * reparametrisation of Grimshaw (1993) that SPOT (Siffer et al., KDD 2017) also uses: for fixed
     * theta the likelihood is maximised by {@code xi = mean(log(1 + theta * y))} and
     * {@code sigma = xi / theta}, so the fit is a one-dimensional search. Rather than solving
     * Grimshaw's equation for its roots, which needs good brackets, the profile is scanned on a wide
     * log-spaced grid on both sides of zero (including the exponential case theta = 0) and the best
     * grid point is refined by golden-section search; this finds the global maximum whatever the
     * sign of the shape. Shapes below -1 are excluded because the likelihood is unbounded there.
     *
     * <p>If that maximum lies on the edge of the search range or is not finite (degenerate data),
     * the fit falls back to the candidate with the highest likelihood among probability-weighted
     * moments (Hosking and Wallis 1987), the method of moments and the exponential distribution.
     *
     * @param excesses non-negative finite excesses, at least two, not all zero
     */
    public static GeneralizedPareto fit(double[] excesses) {
        int n = excesses.length;
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 excesses to fit a GPD, got " + n);
        }
        double sum = 0;
        double max = 0;
        for (double y : excesses) {
            if (!(y >= 0) || !Double.isFinite(y)) {
                throw new IllegalArgumentException("excesses must be finite and non-negative, got " + y);
            }
            sum += y;
            max = Math.max(max, y);
        }
        if (max == 0) {
            throw new IllegalArgumentException("all excesses are zero: there is no tail to fit");
        }
        double mean = sum / n;

        GeneralizedPareto best = new GeneralizedPareto(0, mean);
        double bestLogLik = best.logLikelihood(excesses);
        GeneralizedPareto mle = profileMaximum(excesses, mean, max);
        if (mle != null) {
            double ll = mle.logLikelihood(excesses);
            if (ll >= bestLogLik) {
                return mle;
            }
        }
        for (GeneralizedPareto candidate : new GeneralizedPareto[] {probabilityWeightedMoments(excesses, mean), methodOfMoments(excesses, mean)}) {
            if (candidate != null) {
                double ll = candidate.logLikelihood(excesses);
                if (ll > bestLogLik) {
                    best = candidate;
                    bestLogLik = ll;
                }
            }
        }
        return best;
    }

    /** Profile log-likelihood per excess at theta, or NaN where xi(theta) is out of range. */
    private static double profile(double[] y, double theta, double mean) {
        if (theta == 0) {
            return -Math.log(mean) - 1;
        }
        double s = 0;
        for (double v : y) {
            s += Math.log1p(theta * v);
        }
        double xi = s / y.length;
        if (!(xi >= MIN_SHAPE) || !(xi / theta > 0)) {
            return Double.NaN;
        }
        return -Math.log(xi / theta) - xi - 1;
    }

    private static GeneralizedPareto atTheta(double[] y, double theta, double mean) {
        if (theta == 0) {
            return new GeneralizedPareto(0, mean);
        }
        double s = 0;
        for (double v : y) {
            s += Math.log1p(theta * v);
        }
        double xi = s / y.length;
        double sigma = xi / theta;
        return Double.isFinite(xi) && sigma > 0 && Double.isFinite(sigma) ? new GeneralizedPareto(xi, sigma) : null;
    }

    private static GeneralizedPareto profileMaximum(double[] y, double mean, double max) {
        // theta * mean spans 1e-8 .. 1e8 on the positive side (xi from ~0 to very heavy);
        // on the negative side theta = -a / max with a from 1e-8 up to just below 1 (the end point).
        int perSide = 160;
        double[] thetas = new double[2 * perSide + 1];
        for (int i = 0; i < perSide; i++) {
            double u = (i + 0.5) / perSide;
            double a = 1 / (1 + Math.pow(10, 8 - 16 * u));        // logistic in log10 space: 1e-8 .. 1 - 1e-8
            thetas[perSide - 1 - i] = -a / max;
            thetas[perSide + 1 + i] = Math.pow(10, -8 + 16 * u) / mean;
        }
        thetas[perSide] = 0;
        Arrays.sort(thetas);

        int bestIndex = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < thetas.length; i++) {
            double v = profile(y, thetas[i], mean);
            if (v > bestValue) {
                bestValue = v;
                bestIndex = i;
            }
        }
        if (bestIndex <= 0 || bestIndex >= thetas.length - 1) {
            return null;
        }
        if (Double.isNaN(profile(y, thetas[bestIndex - 1], mean)) || Double.isNaN(profile(y, thetas[bestIndex + 1], mean))) {
            return null; // the maximum presses against xi = -1: leave it to the fallbacks
        }
        double theta = goldenSectionMaximum(y, mean, thetas[bestIndex - 1], thetas[bestIndex + 1], thetas[bestIndex], bestValue);
        return atTheta(y, theta, mean);
    }

    private static double goldenSectionMaximum(double[] y, double mean, double lo, double hi, double bestTheta, double bestValue) {
        double ratio = (Math.sqrt(5) - 1) / 2;
        double a = lo;
        double b = hi;
        double c = b - ratio * (b - a);
        double d = a + ratio * (b - a);
        double fc = profileOrMinusInfinity(y, c, mean);
        double fd = profileOrMinusInfinity(y, d, mean);
        for (int i = 0; i < 80 && b - a > 1e-12 * Math.max(Math.abs(a), Math.abs(b)); i++) {
            if (fc >= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - ratio * (b - a);
                fc = profileOrMinusInfinity(y, c, mean);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + ratio * (b - a);
                fd = profileOrMinusInfinity(y, d, mean);
            }
        }
        double theta = fc >= fd ? c : d;
        return Math.max(fc, fd) >= bestValue ? theta : bestTheta;
    }

    private static double profileOrMinusInfinity(double[] y, double theta, double mean) {
        double v = profile(y, theta, mean);
        return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }

    /** Hosking and Wallis (1987); defined for xi < 1. */
    private static GeneralizedPareto probabilityWeightedMoments(double[] excesses, double mean) {
        double[] sorted = excesses.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double a1 = 0;
        for (int i = 0; i < n; i++) {
            a1 += (1 - (i + 1 - 0.35) / n) * sorted[i];
        }
        a1 /= n;
        double denominator = mean - 2 * a1;
        if (!(denominator > 0)) {
            return null;
        }
        double k = mean / denominator - 2;
        double sigma = 2 * mean * a1 / denominator;
        return validOrNull(-k, sigma);
    }

    /** Moments match for xi < 1/2. */
    private static GeneralizedPareto methodOfMoments(double[] excesses, double mean) {
        double ss = 0;
        for (double y : excesses) {
            ss += (y - mean) * (y - mean);
        }
        double variance = ss / (excesses.length - 1);
        if (!(variance > 0)) {
            return null;
        }
        double r = mean * mean / variance;
        return validOrNull(0.5 * (1 - r), 0.5 * mean * (r + 1));
    }

    private static GeneralizedPareto validOrNull(double xi, double sigma) {
        return Double.isFinite(xi) && Double.isFinite(sigma) && sigma > 0 ? new GeneralizedPareto(xi, sigma) : null;
    }
}
