package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains a VAE on records in spec order and returns it as a {@link ModelBundle}.
 *
 * <p>Mini-batch Adam (written in the graph with {@code ApplyAdam}, after clipping the global
 * gradient norm), an internal validation split with early stopping that keeps the best weights,
 * an optional linear KL warm-up, and one fresh sample of z per record and step. With
 * {@code trimMaxShare > 0} (off by default), each epoch after the warm-up leaves out the rows whose
 * -ELBO is far above the rest ({@link TrimmedLoss}), so contamination is not learned as normal.
 * A feature's fitted decoder variance (the variance itself under
 * {@link VaeConfig.DecoderVariance#PER_FEATURE}, the base of the per-record variance's bound
 * otherwise) is not learned by Adam but set after every step to a running mean of the squared
 * residuals: see {@link Model#calibrateVariance}.
 * Everything random
 * (initial weights, split, shuffling, noise) comes from the config's seed and is fed from Java, so
 * the same data and seed give the same model. Training runs in its own graph and session with
 * {@code config.threads()} threads, so it never blocks a live {@link VaeScorer}.
 */
public final class VaeTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(VaeTrainer.class);
    private static final float BETA1 = 0.9f;
    /** Weight of each step's mean squared residual in the running per-feature variance (about 20 steps' memory). */
    private static final float VARIANCE_RATE = 0.05f;
    private static final float BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-7f;
    private static final int EVAL_CHUNK = 2048;

    private VaeTrainer() {
    }

    /**
     * @param rows     training records in spec order (numeric raw values, categorical indices, NaN = missing)
     * @param listener told after every epoch
     * @throws IllegalArgumentException if there are fewer than 2 rows or a row is malformed
     * @throws IllegalStateException    if the loss becomes NaN or infinite (diverged)
     */
    public static ModelBundle train(FeatureSpec spec, double[][] rows, VaeConfig config, TrainingListener listener) {
        if (rows.length < 2) {
            throw new IllegalArgumentException("need at least 2 training records, got " + rows.length);
        }
        long start = System.nanoTime();
        Random random = new Random(config.seed());
        int[] order = permutation(rows.length, random);
        int nVal = config.validationFraction() == 0 ? 0
                : (int) Math.min(rows.length - 1, Math.floor(rows.length * config.validationFraction()));
        double[][] trainRows = new double[rows.length - nVal][];
        double[][] valRows = new double[nVal][];
        for (int i = 0; i < rows.length; i++) {
            if (i < nVal) {
                valRows[i] = rows[order[i]];
            } else {
                trainRows[i - nVal] = rows[order[i]];
            }
        }
        Normalization norm = Normalization.fit(spec, trainRows);
        Layout layout = new Layout(spec);
        Layout.Inputs train = layout.encode(trainRows, 0, trainRows.length, norm);
        Layout.Inputs val = nVal == 0 ? null : layout.encode(valRows, 0, nVal, norm);
        Map<String, int[]> shapes = VaeGraph.weightShapes(layout, config);
        Map<String, float[]> init = initialWeights(shapes, random);

        try (Graph graph = new Graph()) {
            Model model = new Model(Ops.create(graph), layout, config, norm, shapes, init);
            try (Session session = new Session(graph, VaeScorer.sessionConfig(config.threads()))) {
                session.initialize();
                return new Loop(session, model, layout, config, random).run(spec, norm, train, val, listener, start);
            }
        }
    }

    /** Glorot-uniform weights, zero biases. */
    private static Map<String, float[]> initialWeights(Map<String, int[]> shapes, Random random) {
        Map<String, float[]> init = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            int[] s = e.getValue();
            float[] values = new float[s.length == 1 ? s[0] : s[0] * s[1]];
            if (s.length == 2) {
                double limit = Math.sqrt(6.0 / (s[0] + s[1]));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((2 * random.nextDouble() - 1) * limit);
                }
            }
            init.put(e.getKey(), values);
        }
        return init;
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The training graph: forward pass on variables, loss, clipped gradients, Adam updates. */
    private static final class Model {
        final VaeGraph vae;
        final Placeholder<TFloat32> eps;
        final Placeholder<TFloat32> beta;
        final Placeholder<TFloat32> lr;
        final Placeholder<TFloat32> beta1Power;
        final Placeholder<TFloat32> beta2Power;
        /** Mean -ELBO of the batch (KL weight 1), for reporting. */
        final Operand<TFloat32> elbo;
        /** [B] -ELBO of each record (KL weight 1), for trimming and validation. */
        final Operand<TFloat32> perRecord;
        final List<Op> updates = new ArrayList<>();
        final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();

        Model(Ops tf, Layout layout, VaeConfig config, Normalization norm, Map<String, int[]> shapes, Map<String, float[]> init) {
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                variables.put(e.getKey(), tf.withName(e.getKey().replace('/', '_')).variable(
                        tf.constant(VaeScorer.shapeOf(e.getValue()), DataBuffers.of(init.get(e.getKey())))));
            }
            vae = new VaeGraph(tf, layout, config, norm, variables::get);
            eps = tf.withName("eps").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1, config.latentSize())));
            beta = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            beta1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            beta2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            VaeGraph.Samples samples = vae.new Samples(eps, 1);
            Operand<TFloat32> reconstruction = samples.reconstruction();
            Operand<org.tensorflow.types.TInt32> axis = tf.constant(0);
            perRecord = tf.math.add(reconstruction, vae.kl);
            elbo = tf.math.mean(perRecord, axis);
            Operand<TFloat32> objective = tf.math.mean(tf.math.add(reconstruction, tf.math.mul(beta, vae.kl)), axis);

            List<Variable<TFloat32>> vars = new ArrayList<>(variables.values());
            Variable<TFloat32> perFeatureLogVar = variables.get("num/logvar");
            if (perFeatureLogVar != null) {
                vars.remove(perFeatureLogVar);
                updates.add(calibrateVariance(tf, vae, perFeatureLogVar, samples, objective, config.studentDof()));
            }
            var gradients = tf.gradients(objective, vars);
            List<Operand<TFloat32>> grads = new ArrayList<>();
            for (int i = 0; i < vars.size(); i++) {
                grads.add(gradients.<TFloat32>dy(i));
            }
            if (config.gradientClipNorm() > 0) {
                Operand<TFloat32> squares = null;
                for (int i = 0; i < grads.size(); i++) {
                    int rank = vars.get(i).shape().numDimensions();
                    Operand<TFloat32> s = tf.sum(tf.math.square(grads.get(i)), tf.constant(rank == 1 ? new int[] {0} : new int[] {0, 1}));
                    squares = squares == null ? s : tf.math.add(squares, s);
                }
                Operand<TFloat32> clip = tf.constant((float) config.gradientClipNorm());
                Operand<TFloat32> scale = tf.math.div(clip, tf.math.maximum(tf.math.sqrt(squares), clip));
                grads.replaceAll(g -> tf.math.mul(g, scale));
            }
            for (int i = 0; i < vars.size(); i++) {
                Variable<TFloat32> v = vars.get(i);
                Operand<TFloat32> zeros = tf.zerosLike(v);
                Variable<TFloat32> m = tf.variable(zeros);
                Variable<TFloat32> s = tf.variable(tf.zerosLike(v));
                updates.add(tf.train.applyAdam(v, m, s, beta1Power, beta2Power, lr, tf.constant(BETA1), tf.constant(BETA2),
                        tf.constant(ADAM_EPSILON), grads.get(i)));
            }
        }

        /**
         * The per-feature log-variance follows the batch's mean squared residual as a running mean
         * ({@link #VARIANCE_RATE} per step): the calibrated decoder of Rybkin, Daniilidis and Levine
         * (ICML 2021), where sigma squared = MSE is the variance that maximizes the likelihood for
         * the current means. Learned by Adam instead, whose steps are about the learning rate, the
         * log-variance moved by about 1 in a whole training and stayed near its start, so the model
         * scored squared residuals in robust units and learned little of the correlations
         * (docs/BENCHMARKS.md). With a Student-t likelihood the residuals are weighted as in the
         * t's EM scale update, so outlying rows do not widen it. Runs after the objective, so a
         * step reads the variance it starts with.
         */
        private static Op calibrateVariance(Ops tf, VaeGraph vae, Variable<TFloat32> logVar, VaeGraph.Samples samples,
                                            Operand<TFloat32> objective, double studentDof) {
            Operand<TFloat32> mask = tf.expandDims(vae.mNum, tf.constant(1));
            Operand<TFloat32> residual = tf.math.sub(tf.expandDims(vae.xNum, tf.constant(1)), samples.numMean);
            Operand<TInt32> batchAndSamples = tf.constant(new int[] {0, 1});
            Operand<TFloat32> count = tf.sum(mask, batchAndSamples);
            Operand<TFloat32> sq = tf.math.square(residual);
            if (!VaeGraph.isGaussian(studentDof)) {
                // A Student-t's scale: each residual weighted by (nu + 1) / (nu + r^2 / sigma^2), its EM update.
                float nu = (float) studentDof;
                sq = tf.math.mul(tf.math.div(tf.constant(nu + 1), tf.math.add(tf.constant(nu), tf.math.div(sq, tf.math.exp(logVar)))), sq);
            }
            Operand<TFloat32> mse = tf.math.div(tf.sum(tf.math.mul(sq, mask), batchAndSamples),
                    tf.math.maximum(count, tf.constant(1f)));
            // A feature missing from the whole batch keeps its variance.
            Operand<TFloat32> rate = tf.math.mul(tf.constant(VARIANCE_RATE),
                    tf.dtypes.cast(tf.math.greater(count, tf.constant(0f)), TFloat32.class));
            Operand<TFloat32> variance = tf.math.add(tf.math.mul(tf.math.sub(tf.constant(1f), rate), tf.math.exp(logVar)),
                    tf.math.mul(rate, mse));
            return tf.withControlDependencies(List.of(objective))
                    .assign(logVar, tf.math.log(tf.math.maximum(variance, tf.constant(1e-12f))));
        }
    }

    /** The epoch loop, early stopping and the best-weights snapshot. */
    private static final class Loop {
        private final Session session;
        private final Model model;
        private final Layout layout;
        private final VaeConfig config;
        private final Random random;
        private long step;

        Loop(Session session, Model model, Layout layout, VaeConfig config, Random random) {
            this.session = session;
            this.model = model;
            this.layout = layout;
            this.config = config;
            this.random = random;
        }

        ModelBundle run(FeatureSpec spec, Normalization norm, Layout.Inputs train, Layout.Inputs val,
                        TrainingListener listener, long start) {
            int batch = Math.min(config.batchSize(), train.rows);
            float[] valNoise = val == null ? null : gaussians(new Random(config.seed() ^ 0x7A1L), val.rows * config.latentSize());
            boolean trimming = config.trimMaxShare() > 0;
            float[] trainNoise = trimming ? gaussians(new Random(config.seed() ^ 0x7B2L), train.rows * config.latentSize()) : null;
            List<Double> trainLosses = new ArrayList<>();
            List<Double> valLosses = new ArrayList<>();
            Map<String, float[]> best = null;
            double bestLoss = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            int sinceBest = 0;
            int epoch = 0;
            while (epoch < config.epochs()) {
                epoch++;
                float beta = config.klWarmupEpochs() == 0 ? 1f : (float) Math.min(1.0, (double) epoch / config.klWarmupEpochs());
                int[] order = permutation(train.rows, random);
                // Trimming starts with the full ELBO: during the KL warm-up losses are not yet comparable.
                if (trimming && epoch > config.klWarmupEpochs()) {
                    double[] losses = perRecord(train, trainNoise);
                    order = TrimmedLoss.keep(order, losses, TrimmedLoss.cutoff(losses, config.trimMaxShare(), config.trimFenceIqr()));
                }
                int n = order.length;
                double sum = 0;
                for (int from = 0; from < n; from += batch) {
                    int to = Math.min(n, from + batch);
                    Layout.Inputs b = gather(train, order, from, to);
                    float[] eps = gaussians(random, (to - from) * config.latentSize());
                    long stepStart = System.nanoTime();
                    sum += step(b, eps, beta) * (to - from);
                    listener.afterStep(System.nanoTime() - stepStart);
                }
                double trainLoss = sum / n;
                double valLoss = val == null ? Double.NaN
                        : trimming ? TrimmedLoss.lowerMean(perRecord(val, valNoise), config.trimMaxShare()) : evaluate(val, valNoise);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!Double.isFinite(trainLoss) || (val != null && !Double.isFinite(valLoss))) {
                    throw new IllegalStateException("training diverged at epoch " + epoch + " (train loss " + trainLoss
                            + ", validation loss " + valLoss + "); lower the learning rate or check the data for extreme values");
                }
                trainLosses.add(trainLoss);
                valLosses.add(valLoss);
                LOG.debug("epoch {}: train {} validation {} ({} s)", epoch, trainLoss, valLoss, seconds);
                listener.epoch(epoch, trainLoss, valLoss, seconds);
                double monitored = val == null ? trainLoss : valLoss;
                // Keep the best weights seen; patience only counts once the objective is the full ELBO.
                if (monitored < bestLoss) {
                    bestLoss = monitored;
                    best = snapshot();
                    bestEpoch = epoch;
                    sinceBest = 0;
                } else if (epoch > config.klWarmupEpochs() && ++sinceBest >= config.patience()) {
                    break;
                }
            }
            Map<String, ModelBundle.Weight> weights = new LinkedHashMap<>();
            Map<String, int[]> shapes = VaeGraph.weightShapes(layout, config);
            for (Map.Entry<String, float[]> e : best.entrySet()) {
                weights.put(e.getKey(), new ModelBundle.Weight(shapes.get(e.getKey()), e.getValue()));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            TrainingInfo info = new TrainingInfo(train.rows + (val == null ? 0 : val.rows), val == null ? 0 : val.rows, epoch,
                    bestEpoch, trainLosses, valLosses, seconds, config.seed(), Instant.now());
            LOG.info("trained on {} records: {} epochs (best {}), validation loss {}, {} s", info.records(), epoch, bestEpoch,
                    bestLoss, String.format("%.1f", seconds));
            return new ModelBundle(spec, config, norm, weights, info, 0, new byte[0]);
        }

        private double step(Layout.Inputs b, float[] eps, float beta) {
            step++;
            try (Feeds feeds = new Feeds(b, eps);
                 TFloat32 betaT = TFloat32.scalarOf(beta);
                 TFloat32 lrT = TFloat32.scalarOf((float) config.learningRate());
                 TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
                 TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(BETA2, step))) {
                Session.Runner runner = feeds.runner().feed(model.beta, betaT).feed(model.lr, lrT)
                        .feed(model.beta1Power, p1).feed(model.beta2Power, p2).fetch(model.elbo);
                model.updates.forEach(runner::addTarget);
                try (Result r = runner.run()) {
                    return ((TFloat32) r.get(0)).getFloat();
                }
            }
        }

        /** Mean -ELBO over {@code data} with fixed noise, in chunks (averaged in the graph, as before trimming existed). */
        private double evaluate(Layout.Inputs data, float[] noise) {
            double[] sum = {0};
            inChunks(data, noise, model.elbo, (from, to, mean) -> sum[0] += mean.getFloat() * (double) (to - from));
            return sum[0] / data.rows;
        }

        /** -ELBO of every row of {@code data} with fixed noise, in chunks. */
        private double[] perRecord(Layout.Inputs data, float[] noise) {
            double[] out = new double[data.rows];
            inChunks(data, noise, model.perRecord, (from, to, losses) -> {
                for (int i = from; i < to; i++) {
                    out[i] = losses.getFloat(i - from);
                }
            });
            return out;
        }

        /** What a chunk's fetched tensor is used for; the tensor is closed after the call. */
        private interface ChunkResult {
            void accept(int from, int to, TFloat32 fetched);
        }

        /** Runs {@code fetch} over {@code data} in chunks of {@link #EVAL_CHUNK} rows with the matching slices of {@code noise}. */
        private void inChunks(Layout.Inputs data, float[] noise, Operand<TFloat32> fetch, ChunkResult result) {
            int latent = config.latentSize();
            int[] identity = new int[data.rows];
            for (int i = 0; i < identity.length; i++) {
                identity[i] = i;
            }
            for (int from = 0; from < data.rows; from += EVAL_CHUNK) {
                int to = Math.min(data.rows, from + EVAL_CHUNK);
                float[] eps = java.util.Arrays.copyOfRange(noise, from * latent, to * latent);
                try (Feeds feeds = new Feeds(gather(data, identity, from, to), eps);
                     Result r = feeds.runner().fetch(fetch).run()) {
                    result.accept(from, to, (TFloat32) r.get(0));
                }
            }
        }

        private Map<String, float[]> snapshot() {
            Map<String, float[]> values = new LinkedHashMap<>();
            Session.Runner runner = session.runner();
            model.variables.values().forEach(runner::fetch);
            try (Result r = runner.run()) {
                int i = 0;
                for (Map.Entry<String, Variable<TFloat32>> e : model.variables.entrySet()) {
                    TFloat32 t = (TFloat32) r.get(i++);
                    float[] v = new float[(int) t.size()];
                    t.copyTo(DataBuffers.of(v, false, false));
                    values.put(e.getKey(), v);
                }
            }
            return values;
        }

        private Layout.Inputs gather(Layout.Inputs src, int[] order, int from, int to) {
            int nNum = layout.numNumeric();
            int nCat = layout.numCategorical();
            int w = layout.catWidth;
            Layout.Inputs dst = new Layout.Inputs(to - from, nNum, w, nCat);
            for (int r = from; r < to; r++) {
                int i = order[r];
                int d = r - from;
                System.arraycopy(src.xNum, i * nNum, dst.xNum, d * nNum, nNum);
                System.arraycopy(src.mNum, i * nNum, dst.mNum, d * nNum, nNum);
                System.arraycopy(src.xCat, i * w, dst.xCat, d * w, w);
                System.arraycopy(src.mCat, i * nCat, dst.mCat, d * nCat, nCat);
            }
            return dst;
        }

        private final class Feeds implements AutoCloseable {
            private final List<TFloat32> tensors = new ArrayList<>();
            private final Session.Runner runner = session.runner();

            Feeds(Layout.Inputs in, float[] eps) {
                int nNum = layout.numNumeric();
                int nCat = layout.numCategorical();
                if (nNum > 0) {
                    runner.feed(model.vae.xNum, tensor(Shape.of(in.rows, nNum), in.xNum));
                    runner.feed(model.vae.mNum, tensor(Shape.of(in.rows, nNum), in.mNum));
                }
                if (nCat > 0) {
                    runner.feed(model.vae.xCat, tensor(Shape.of(in.rows, layout.catWidth), in.xCat));
                    runner.feed(model.vae.mCat, tensor(Shape.of(in.rows, nCat), in.mCat));
                }
                runner.feed(model.eps, tensor(Shape.of(in.rows, 1, config.latentSize()), eps));
            }

            private TFloat32 tensor(Shape shape, float[] values) {
                TFloat32 t = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
                tensors.add(t);
                return t;
            }

            Session.Runner runner() {
                return runner;
            }

            @Override
            public void close() {
                tensors.forEach(TFloat32::close);
            }
        }
    }

    private static float[] gaussians(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
