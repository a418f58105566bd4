package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.util.List;
import java.util.Locale;

/**
 * Architecture and training settings of the VAE. Immutable and validated; {@link #defaults} gives
 * sensible values for 5 to 200 features, and the {@code with...} methods change one setting.
 *
 * @param hiddenSizes        widths of the encoder's hidden layers; the decoder mirrors them
 * @param latentSize         dimension of z
 * @param activation         {@code tanh}, {@code elu}, {@code relu} or {@code softplus}
 * @param epochs             maximum number of passes over the training split
 * @param batchSize          records per Adam step
 * @param learningRate       Adam step size
 * @param validationFraction share of the records held out for early stopping (0 = none)
 * @param patience           epochs without validation improvement before stopping (after warm-up)
 * @param klWarmupEpochs     epochs over which the KL weight rises linearly from 0 to 1 (0 = none)
 * @param gradientClipNorm   global gradient norm clip (0 = none)
 * @param seed               seeds initialization, shuffling, training noise and the fixed scoring noise
 * @param samples            L, samples of z per record for the ELBO at scoring time
 * @param iwaeSamples        K, importance samples for {@link VaeScorer#scoreIwae}
 * @param logVarFloor        lower bound of a numeric feature's decoder log-variance, in standardized units
 * @param logVarCeiling      upper bound of that log-variance (infinity = none): how far the decoder may "explain away" a value
 * @param threads            TensorFlow intra- and inter-op threads of each session
 * @param decoderVariance    whether a numeric feature's variance is one learned value per feature or predicted per record
 * @param studentDof         degrees of freedom of the numeric likelihood, a Student-t; infinity = Gaussian
 * @param trimMaxShare       most training rows left out of an epoch for a high -ELBO (0 = no trimming)
 * @param trimFenceIqr       rows above {@code Q3 + trimFenceIqr * IQR} of the training -ELBO are left out, up to trimMaxShare
 * @param asinhEncoderInput  the encoder sees asinh of each standardized numeric value (the likelihood still judges the value)
 * @param recordLogVarMargin how far a per-record log-variance may rise above its feature's fitted log-variance (infinity = no bound)
 */
public record VaeConfig(
        List<Integer> hiddenSizes,
        int latentSize,
        String activation,
        int epochs,
        int batchSize,
        double learningRate,
        double validationFraction,
        int patience,
        int klWarmupEpochs,
        double gradientClipNorm,
        long seed,
        int samples,
        int iwaeSamples,
        double logVarFloor,
        double logVarCeiling,
        int threads,
        DecoderVariance decoderVariance,
        double studentDof,
        double trimMaxShare,
        double trimFenceIqr,
        boolean asinhEncoderInput,
        double recordLogVarMargin) {

    /** Where a numeric feature's decoder variance comes from. */
    public enum DecoderVariance {
        /**
         * One log-variance per feature, the same for every record: the model cannot "explain
         * away" an outlier by predicting a large variance for it. Training sets it to the running
         * mean squared residual (a calibrated decoder) instead of learning it by gradient.
         */
        PER_FEATURE,
        /** Predicted by the decoder for each record (bundles of format 1 were trained this way). */
        PER_RECORD
    }

    /** The activations the graph builder knows. */
    public static final List<String> ACTIVATIONS = List.of("tanh", "elu", "relu", "softplus");

    public VaeConfig {
        hiddenSizes = List.copyOf(hiddenSizes);
        if (hiddenSizes.isEmpty() || hiddenSizes.stream().anyMatch(h -> h == null || h < 1)) {
            throw new IllegalArgumentException("hiddenSizes must list at least one positive width: " + hiddenSizes);
        }
        activation = activation == null ? "" : activation.toLowerCase(Locale.ROOT);
        check(ACTIVATIONS.contains(activation), "activation must be one of " + ACTIVATIONS + ", got '" + activation + "'");
        check(latentSize >= 1, "latentSize must be >= 1");
        check(epochs >= 1, "epochs must be >= 1");
        check(batchSize >= 1, "batchSize must be >= 1");
        check(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be > 0");
        check(validationFraction >= 0 && validationFraction < 0.9, "validationFraction must be in [0, 0.9)");
        check(patience >= 1, "patience must be >= 1");
        check(klWarmupEpochs >= 0, "klWarmupEpochs must be >= 0");
        check(gradientClipNorm >= 0 && Double.isFinite(gradientClipNorm), "gradientClipNorm must be >= 0");
        check(samples >= 1, "samples must be >= 1");
        check(iwaeSamples >= 1, "iwaeSamples must be >= 1");
        check(Double.isFinite(logVarFloor), "logVarFloor must be finite");
        check(logVarCeiling > logVarFloor, "logVarCeiling must be above logVarFloor (infinity for none)");
        check(threads >= 1, "threads must be >= 1");
        check(decoderVariance != null, "decoderVariance is required");
        check(studentDof > 0, "studentDof must be > 0 (infinity for a Gaussian)");
        check(trimMaxShare >= 0 && trimMaxShare < 0.5, "trimMaxShare must be in [0, 0.5)");
        check(trimFenceIqr >= 0 && Double.isFinite(trimFenceIqr), "trimFenceIqr must be >= 0");
        check(recordLogVarMargin >= 0, "recordLogVarMargin must be >= 0 (infinity for none)");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Defaults that scale with the input width: the first hidden layer is the next power of two
     * at or above the input width (32..256), the second half of it, and the latent size about one
     * fifth of the input width, one-hot columns counted (4..16, never above the width): with two
     * latent dimensions a 10-feature record spent both on the traffic level and the daily cycle
     * and learned nothing of the categories (measured in DetectionIT's probe).
     *
     * <p>The likelihood is a Gaussian with a per-record decoder variance, bounded above by e^2
     * times its feature's fitted variance (the mean squared residual over training), on raw
     * standardized encoder input, without trimming. The bound keeps the decoder from "explaining
     * away" an outlier with a huge variance, yet, being relative to each feature's own residuals,
     * leaves the calibrated threshold workable where an absolute ceiling did not. The alternatives
     * ({@link DecoderVariance#PER_FEATURE}, a Student-t, trimming, asinh input, an absolute
     * log-variance ceiling) are built and tested, and some raised the AUPRC on the benchmark sets,
     * but each cost something users rely on: spikes, broken correlations or false alarms in the
     * demo, or (the absolute ceiling) a calibrated threshold so high that on five of seven benchmark
     * sets nothing was flagged at all. See docs/BENCHMARKS.md.
     */
    public static VaeConfig defaults(FeatureSpec spec) {
        int width = 0;
        for (FeatureSpec.Feature f : spec.modelInput().features()) {
            width += f.isNumeric() ? 1 : f.cardinality();
        }
        int h1 = Math.max(32, Math.min(256, Integer.highestOneBit(Math.max(1, width - 1)) << 1));
        int latent = Math.max(Math.min(4, width), Math.min(16, (int) Math.ceil(width / 5.0)));
        return new VaeConfig(List.of(h1, h1 / 2), latent, "tanh", 100, 128, 1e-3, 0.1, 10, 5, 10.0,
                42L, 4, 64, -6.0, Double.POSITIVE_INFINITY, 1, DecoderVariance.PER_RECORD, Double.POSITIVE_INFINITY, 0.0, 3.0, false,
                2.0);
    }

    public VaeConfig withHiddenSizes(List<Integer> v) { return new VaeConfig(v, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withLatentSize(int v) { return new VaeConfig(hiddenSizes, v, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withActivation(String v) { return new VaeConfig(hiddenSizes, latentSize, v, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withEpochs(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, v, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withBatchSize(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, v, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withLearningRate(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, v, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withValidationFraction(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, v, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withPatience(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, v, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withKlWarmupEpochs(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, v, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withGradientClipNorm(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, v, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withSeed(long v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, v, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withSamples(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, v, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withIwaeSamples(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, v, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withLogVarFloor(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, v, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withLogVarCeiling(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, v, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withThreads(int v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, v, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withDecoderVariance(DecoderVariance v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, v, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withStudentDof(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, v, trimMaxShare, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withTrimMaxShare(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, v, trimFenceIqr, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withTrimFenceIqr(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, v, asinhEncoderInput, recordLogVarMargin); }
    public VaeConfig withAsinhEncoderInput(boolean v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, v, recordLogVarMargin); }
    public VaeConfig withRecordLogVarMargin(double v) { return new VaeConfig(hiddenSizes, latentSize, activation, epochs, batchSize, learningRate, validationFraction, patience, klWarmupEpochs, gradientClipNorm, seed, samples, iwaeSamples, logVarFloor, logVarCeiling, threads, decoderVariance, studentDof, trimMaxShare, trimFenceIqr, asinhEncoderInput, v); }
}
