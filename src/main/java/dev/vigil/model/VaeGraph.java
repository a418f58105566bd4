package dev.vigil.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The VAE's forward computation, shared by training and scoring. Weights come from a function
 * (variables when training, constants when scoring); the noise {@code eps} has shape
 * {@code [B or 1, S, latent]} so that training feeds fresh noise per record and scoring
 * broadcasts one fixed set of S samples over the batch.
 *
 * <p>All per-feature terms are negative log-likelihoods in nats of the RAW value: a numeric
 * feature's Student-t (or Gaussian) term on the standardized value plus {@code log(scale)}, the
 * log-Jacobian of the standardization. Its variance is one fitted value per feature, or
 * predicted per record by the decoder and bounded by the feature's fitted one (see
 * {@link VaeConfig.DecoderVariance} and {@link VaeConfig#recordLogVarMargin()}). Missing features are multiplied by their mask, so they contribute 0.
 */
final class VaeGraph {

    private static final float LOG_2PI = (float) Math.log(2 * Math.PI);

    final Placeholder<TFloat32> xNum;
    final Placeholder<TFloat32> mNum;
    final Placeholder<TFloat32> xCat;
    final Placeholder<TFloat32> mCat;
    /** [B, Z] */
    final Operand<TFloat32> mu;
    /** [B, Z] */
    final Operand<TFloat32> logVar;
    /** [B] closed-form KL(q(z|x) || N(0, I)). */
    final Operand<TFloat32> kl;

    private final Ops tf;
    private final Layout layout;
    private final VaeConfig config;
    private final Function<String, Operand<TFloat32>> weight;
    private final Operand<TFloat32> logScale;

    /** Shapes of every weight, by name, in graph order. */
    static Map<String, int[]> weightShapes(Layout layout, VaeConfig config) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        List<Integer> hidden = config.hiddenSizes();
        int in = layout.inputWidth();
        for (int i = 0; i < hidden.size(); i++) {
            shapes.put("enc" + i + "/w", new int[] {in, hidden.get(i)});
            shapes.put("enc" + i + "/b", new int[] {hidden.get(i)});
            in = hidden.get(i);
        }
        shapes.put("mu/w", new int[] {in, config.latentSize()});
        shapes.put("mu/b", new int[] {config.latentSize()});
        shapes.put("logvar/w", new int[] {in, config.latentSize()});
        shapes.put("logvar/b", new int[] {config.latentSize()});
        in = config.latentSize();
        for (int i = hidden.size() - 1, d = 0; i >= 0; i--, d++) {
            shapes.put("dec" + d + "/w", new int[] {in, hidden.get(i)});
            shapes.put("dec" + d + "/b", new int[] {hidden.get(i)});
            in = hidden.get(i);
        }
        shapes.put("out/w", new int[] {in, outputWidth(layout, config)});
        shapes.put("out/b", new int[] {outputWidth(layout, config)});
        if (fitsFeatureVariance(config) && layout.numNumeric() > 0) {
            shapes.put("num/logvar", new int[] {layout.numNumeric()});
        }
        return shapes;
    }

    /**
     * Whether the model holds one fitted log-variance per numeric feature ({@code num/logvar}):
     * as the variance itself, or as the base of a per-record variance's bound.
     */
    static boolean fitsFeatureVariance(VaeConfig config) {
        return config.decoderVariance() == VaeConfig.DecoderVariance.PER_FEATURE || boundsRecordVariance(config);
    }

    private static boolean boundsRecordVariance(VaeConfig config) {
        return config.decoderVariance() == VaeConfig.DecoderVariance.PER_RECORD && Double.isFinite(config.recordLogVarMargin());
    }

    /** Decoder outputs: numeric means, numeric log-variances when predicted per record, category logits. */
    static int outputWidth(Layout layout, VaeConfig config) {
        return numericOutputs(layout, config) + layout.catWidth;
    }

    private static int numericOutputs(Layout layout, VaeConfig config) {
        return (config.decoderVariance() == VaeConfig.DecoderVariance.PER_RECORD ? 2 : 1) * layout.numNumeric();
    }

    VaeGraph(Ops tf, Layout layout, VaeConfig config, Normalization norm, Function<String, Operand<TFloat32>> weight) {
        this.tf = tf;
        this.layout = layout;
        this.config = config;
        this.weight = weight;
        int nNum = layout.numNumeric();
        int nCat = layout.numCategorical();
        xNum = tf.withName("x_num").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, nNum)));
        mNum = tf.withName("m_num").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, nNum)));
        xCat = tf.withName("x_cat").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, layout.catWidth)));
        mCat = tf.withName("m_cat").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, nCat)));
        float[] ls = new float[nNum];
        for (int i = 0; i < nNum; i++) {
            ls[i] = (float) Math.log(norm.scale(layout.numeric[i]));
        }
        logScale = tf.constant(ls);

        List<Operand<TFloat32>> parts = new ArrayList<>();
        if (nNum > 0) {
            // The encoder sees asinh of the standardized value: linear near the centre, logarithmic in
            // the tails, so one extreme value does not saturate the encoder and garble the whole
            // posterior. The likelihood below still judges the value itself.
            parts.add(config.asinhEncoderInput() ? tf.math.asinh(xNum) : xNum);
        }
        if (nCat > 0) {
            parts.add(xCat);
        }
        if (nNum > 0) {
            parts.add(mNum);
        }
        if (nCat > 0) {
            parts.add(mCat);
        }
        Operand<TFloat32> h = parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(1));
        for (int i = 0; i < config.hiddenSizes().size(); i++) {
            h = activate(dense(h, "enc" + i));
        }
        mu = dense(h, "mu");
        logVar = dense(h, "logvar");
        Operand<TFloat32> perDim = tf.math.sub(tf.math.sub(tf.math.add(tf.math.square(mu), tf.math.exp(logVar)),
                tf.constant(1f)), logVar);
        kl = tf.math.mul(tf.constant(0.5f), tf.sum(perDim, tf.constant(1)));
    }

    /** The terms of S samples of z = mu + sigma * eps. */
    final class Samples {
        /** [B, S, Z] */
        final Operand<TFloat32> z;
        /** [B, S, nNum] masked numeric terms (raw units). */
        final Operand<TFloat32> numNll;
        /** [B, S, nCat] masked categorical terms. */
        final Operand<TFloat32> catNll;
        /** [B, S, nNum] decoder means, standardized. */
        final Operand<TFloat32> numMean;
        /** [B, S, catWidth] category probabilities. */
        final Operand<TFloat32> catProb;

        Samples(Operand<TFloat32> eps, int s) {
            int nNum = layout.numNumeric();
            int nCat = layout.numCategorical();
            int latent = config.latentSize();
            Operand<TFloat32> sigma = tf.math.exp(tf.math.mul(tf.constant(0.5f), logVar));
            z = tf.math.add(tf.expandDims(mu, tf.constant(1)), tf.math.mul(tf.expandDims(sigma, tf.constant(1)), eps));
            Operand<TFloat32> h = tf.reshape(z, tf.constant(new int[] {-1, latent}));
            for (int i = 0; i < config.hiddenSizes().size(); i++) {
                h = activate(dense(h, "dec" + i));
            }
            Operand<TFloat32> out = tf.reshape(dense(h, "out"), tf.constant(new int[] {-1, s, outputWidth(layout, config)}));

            Operand<TFloat32> x3 = tf.expandDims(xNum, tf.constant(1));
            Operand<TFloat32> m3 = tf.expandDims(mNum, tf.constant(1));
            numMean = slice(out, 0, nNum);
            Operand<TFloat32> rawLogVar = config.decoderVariance() == VaeConfig.DecoderVariance.PER_RECORD
                    ? slice(out, nNum, nNum)
                    : tf.reshape(weight.apply("num/logvar"), tf.constant(new int[] {1, 1, nNum}));
            Operand<TFloat32> precision = boundedPrecision(rawLogVar, nNum);
            Operand<TFloat32> lv = tf.math.neg(tf.math.log(precision));
            Operand<TFloat32> sq = tf.math.mul(tf.math.square(tf.math.sub(x3, numMean)), precision);
            numNll = tf.math.mul(tf.math.add(numericNll(lv, sq), logScale), m3);

            List<Operand<TFloat32>> nll = new ArrayList<>();
            List<Operand<TFloat32>> prob = new ArrayList<>();
            Operand<TInt32> two = tf.constant(2);
            for (int c = 0; c < nCat; c++) {
                Operand<TFloat32> logits = slice(out, numericOutputs(layout, config) + layout.catOffset[c], layout.catSize[c]);
                Operand<TFloat32> max = tf.stopGradient(tf.reduceMax(logits, two, org.tensorflow.op.core.ReduceMax.keepDims(true)));
                Operand<TFloat32> shifted = tf.math.sub(logits, max);
                Operand<TFloat32> logP = tf.math.sub(shifted,
                        tf.math.log(tf.sum(tf.math.exp(shifted), two, org.tensorflow.op.core.Sum.keepDims(true))));
                Operand<TFloat32> oneHot = tf.expandDims(tf.slice(xCat, tf.constant(new int[] {0, layout.catOffset[c]}),
                        tf.constant(new int[] {-1, layout.catSize[c]})), tf.constant(1));
                nll.add(tf.math.neg(tf.sum(tf.math.mul(oneHot, logP), two, org.tensorflow.op.core.Sum.keepDims(true))));
                prob.add(tf.math.exp(logP));
            }
            if (nCat > 0) {
                catNll = tf.math.mul(nCat == 1 ? nll.get(0) : tf.concat(nll, two), tf.expandDims(mCat, tf.constant(1)));
                catProb = nCat == 1 ? prob.get(0) : tf.concat(prob, two);
            } else {
                catNll = null;
                catProb = null;
            }
        }

        /** [B, nNum] numeric terms averaged over the samples, or null without numeric features. */
        Operand<TFloat32> numTerms() {
            return layout.numNumeric() == 0 ? null : tf.math.mean(numNll, tf.constant(1));
        }

        /** [B, nCat] categorical terms averaged over the samples, or null without categorical features. */
        Operand<TFloat32> catTerms() {
            return layout.numCategorical() == 0 ? null : tf.math.mean(catNll, tf.constant(1));
        }

        /** [B] the reconstruction part of -ELBO: the sum of all feature terms. */
        Operand<TFloat32> reconstruction() {
            return sumOver(numTerms(), catTerms(), 1);
        }

        /** [B, S] log p(x|z_s) summed over features. */
        Operand<TFloat32> logLikelihood() {
            return tf.math.neg(sumOver(layout.numNumeric() == 0 ? null : numNll, catNll, 2));
        }
    }

    /**
     * [B] the importance-weighted estimate of -log p(x) from K samples with noise {@code eps}
     * [1, K, Z]: -(logsumexp_k(log p(x|z_k) + log p(z_k) - log q(z_k|x)) - log K). The log(2 pi)
     * terms of p(z) and q(z|x) cancel.
     */
    Operand<TFloat32> iwae(Operand<TFloat32> eps, int k) {
        Samples s = new Samples(eps, k);
        Operand<TInt32> two = tf.constant(2);
        Operand<TFloat32> logPz = tf.math.mul(tf.constant(-0.5f), tf.sum(tf.math.square(s.z), two));
        Operand<TFloat32> logQz = tf.math.mul(tf.constant(-0.5f), tf.math.add(tf.sum(tf.math.square(eps), two),
                tf.expandDims(tf.sum(logVar, tf.constant(1)), tf.constant(1))));
        Operand<TFloat32> logW = tf.math.sub(tf.math.add(s.logLikelihood(), logPz), logQz);
        Operand<TInt32> one = tf.constant(1);
        Operand<TFloat32> max = tf.reduceMax(logW, one, org.tensorflow.op.core.ReduceMax.keepDims(true));
        Operand<TFloat32> lse = tf.math.add(tf.squeeze(max, org.tensorflow.op.core.Squeeze.axis(List.of(1L))),
                tf.math.log(tf.sum(tf.math.exp(tf.math.sub(logW, max)), one)));
        return tf.math.neg(tf.math.sub(lse, tf.constant((float) Math.log(k))));
    }

    /**
     * 1 / variance of each numeric value: the raw log-variance passed through smooth bounds. A floor
     * f gives log(e^f + e^raw) = f + softplus(raw - f); a ceiling c (if any) and the per-record bound
     * b (log of the feature's fitted variance plus a margin) each map lv to c - softplus(c - lv),
     * whose exponent is e^-c + e^-lv. So the bounds add as precisions, and the whole chain costs one
     * sigmoid instead of two or three softplus and an exp per value (the same function, to float
     * rounding; the ceiling keeps the decoder from calling an outlying value merely very uncertain).
     */
    private Operand<TFloat32> boundedPrecision(Operand<TFloat32> rawLogVar, int nNum) {
        double floor = config.logVarFloor();
        // 1 / (e^f + e^raw) = e^-f * sigmoid(f - raw), stable at both ends and in its gradient.
        Operand<TFloat32> precision = tf.math.mul(tf.constant((float) Math.exp(-floor)),
                tf.math.sigmoid(tf.math.sub(tf.constant((float) floor), rawLogVar)));
        if (Double.isFinite(config.logVarCeiling())) {
            precision = tf.math.add(precision, tf.constant((float) Math.exp(-config.logVarCeiling())));
        }
        if (boundsRecordVariance(config)) {
            // A record's variance may rise at most e^margin above its feature's fitted one.
            Operand<TFloat32> bound = tf.math.add(tf.reshape(weight.apply("num/logvar"), tf.constant(new int[] {1, 1, nNum})),
                    tf.constant((float) config.recordLogVarMargin()));
            precision = tf.math.add(precision, tf.math.exp(tf.math.neg(bound)));
        }
        return precision;
    }

    /**
     * -log p(x | mean, variance) of a standardized value, from its log-variance {@code lv} and
     * squared standardized residual {@code sq}: Gaussian, or Student-t with {@code nu} degrees of
     * freedom, {@code lgamma(nu/2) - lgamma((nu+1)/2) + log(nu pi)/2 + lv/2 + (nu+1)/2 log(1 + sq/nu)}.
     */
    private Operand<TFloat32> numericNll(Operand<TFloat32> lv, Operand<TFloat32> sq) {
        Operand<TFloat32> half = tf.constant(0.5f);
        double nu = config.studentDof();
        if (isGaussian(nu)) {
            return tf.math.mul(half, tf.math.add(tf.math.add(tf.constant(LOG_2PI), lv), sq));
        }
        Operand<TFloat32> constant = tf.math.add(tf.math.sub(tf.math.lgamma(tf.constant((float) (nu / 2))),
                tf.math.lgamma(tf.constant((float) ((nu + 1) / 2)))), tf.constant((float) (0.5 * Math.log(nu * Math.PI))));
        Operand<TFloat32> tail = tf.math.mul(tf.constant((float) ((nu + 1) / 2)), tf.math.log1p(tf.math.div(sq, tf.constant((float) nu))));
        return tf.math.add(tf.math.add(constant, tf.math.mul(half, lv)), tail);
    }

    /**
     * Whether a Student-t with {@code studentDof} degrees of freedom is taken as a Gaussian: beyond a
     * million the float lgamma difference loses its precision, and the t is a Gaussian there.
     */
    static boolean isGaussian(double studentDof) {
        return studentDof > 1e6;
    }

    /** Sum of the numeric and categorical terms over {@code axis}; either may be null (no such features). */
    private Operand<TFloat32> sumOver(Operand<TFloat32> numeric, Operand<TFloat32> categorical, int axis) {
        Operand<TFloat32> a = numeric == null ? null : tf.sum(numeric, tf.constant(axis));
        Operand<TFloat32> b = categorical == null ? null : tf.sum(categorical, tf.constant(axis));
        return a == null ? b : b == null ? a : tf.math.add(a, b);
    }

    Operand<TFloat32> slice(Operand<TFloat32> out, int from, int size) {
        return tf.slice(out, tf.constant(new int[] {0, 0, from}), tf.constant(new int[] {-1, -1, size}));
    }

    Operand<TFloat32> dense(Operand<TFloat32> x, String name) {
        return tf.math.add(tf.linalg.matMul(x, weight.apply(name + "/w")), weight.apply(name + "/b"));
    }

    /**
     * softplus(x) = max(x, 0) + log(1 + exp(-|x|)), from element-wise ops that TensorFlow's CPU kernels vectorize:
     * its own Softplus kernel took about half of a scoring call when the variance bounds used it (perf).
     */
    private Operand<TFloat32> softplus(Operand<TFloat32> x) {
        return tf.math.add(tf.nn.relu(x), tf.math.log(tf.math.add(tf.constant(1f), tf.math.exp(tf.math.neg(tf.math.abs(x))))));
    }

    private Operand<TFloat32> activate(Operand<TFloat32> x) {
        return switch (config.activation()) {
            case "tanh" -> tf.math.tanh(x);
            case "elu" -> tf.nn.elu(x);
            case "relu" -> tf.nn.relu(x);
            case "softplus" -> softplus(x);
            default -> throw new IllegalStateException("unknown activation " + config.activation());
        };
    }
}
