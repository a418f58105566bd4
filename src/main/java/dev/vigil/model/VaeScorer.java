package dev.vigil.model;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * The live model: a TensorFlow graph with the bundle's weights as constants and its own session.
 * Thread-safe: concurrent {@link #score} calls share the session; {@link #close} waits for
 * calls in flight, so a retired model can be closed while its successor serves.
 *
 * <p>Scores are -ELBO in nats of the RAW record: the density of the standardized record is
 * divided by the product of the scales of the present numeric features (the log-Jacobian
 * {@code sum log(scale)} is added), so scores are comparable with any density of the raw data.
 * The expectation over z uses {@code config.samples()} fixed noise vectors derived from the
 * bundle's seed, the same for every record: scoring is deterministic and independent of the
 * batch a record arrives in.
 */
public final class VaeScorer implements AutoCloseable {

    private static final long ELBO_NOISE = 0x5EED_E1B0L;
    private static final long IWAE_NOISE = 0x5EED_1BAEL;

    private final ModelBundle bundle;
    private final Layout layout;
    private final Graph graph;
    private final Session session;
    private final VaeGraph vae;
    private final Operand<TFloat32> kl;
    private final Operand<TFloat32> numTerms;
    private final Operand<TFloat32> catTerms;
    private final Operand<TFloat32> numMean;
    private final Operand<TFloat32> catProb;
    private final Operand<TFloat32> iwae;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final int threads;
    private boolean closed;

    private VaeScorer(ModelBundle bundle, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.bundle = bundle;
        this.threads = threads;
        this.layout = new Layout(bundle.spec());
        VaeConfig config = bundle.config();
        Map<String, int[]> shapes = VaeGraph.weightShapes(layout, config);
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            ModelBundle.Weight w = bundle.weights().get(e.getKey());
            if (w == null || !java.util.Arrays.equals(w.shape(), e.getValue())) {
                throw new ModelFormatException("model bundle weight '" + e.getKey() + "' is missing or has the wrong shape");
            }
        }
        graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            vae = new VaeGraph(tf, layout, config, bundle.normalization(), name -> {
                ModelBundle.Weight w = bundle.weights().get(name);
                return tf.constant(shapeOf(w.shape()), DataBuffers.of(w.values()));
            });
            int latent = config.latentSize();
            VaeGraph.Samples elbo = vae.new Samples(noise(tf, noiseValues(bundle.training().seed() ^ ELBO_NOISE, config.samples(), latent),
                    config.samples(), latent),
                    config.samples());
            kl = vae.kl;
            numTerms = elbo.numTerms();
            catTerms = elbo.catTerms();
            numMean = layout.numNumeric() == 0 ? null : tf.math.mean(elbo.numMean, tf.constant(1));
            catProb = layout.numCategorical() == 0 ? null : tf.math.mean(elbo.catProb, tf.constant(1));
            iwae = vae.iwae(noise(tf, gaussianNoise(bundle.training().seed() ^ IWAE_NOISE,
                    config.iwaeSamples(), latent), config.iwaeSamples(), latent), config.iwaeSamples());
            session = new Session(graph, scoringSessionConfig(threads));
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * Builds the graph and session for {@code bundle}, with the TensorFlow threads it was trained
     * with; the caller owns the result and closes it.
     */
    public static VaeScorer open(ModelBundle bundle) {
        return open(bundle, bundle.config().threads());
    }

    /** As {@link #open(ModelBundle)}, with {@code threads} TensorFlow intra- and inter-op threads for scoring. */
    public static VaeScorer open(ModelBundle bundle, int threads) {
        VaeScorer scorer = new VaeScorer(bundle, threads);
        try {
            scorer.warmUp();
        } catch (RuntimeException e) {
            scorer.close();
            throw e;
        }
        return scorer;
    }

    /**
     * Scores one row with every feature missing. TensorFlow optimizes the graph at a session's first call, about
     * 20 ms here: paid where the scorer is built (in the service, the model loader's thread, before the swap)
     * instead of by the first batch the new model scores.
     */
    private void warmUp() {
        double[] missing = new double[layout.spec.size()];
        java.util.Arrays.fill(missing, Double.NaN);
        score(new double[][] {missing});
    }

    /** TensorFlow intra- and inter-op threads of this scorer's session. */
    public int threads() {
        return threads;
    }

    public ModelBundle bundle() {
        return bundle;
    }

    /**
     * As {@link #sessionConfig}, but with one thread the graph runs in the caller's thread (a negative inter-op
     * count): a call then costs no hand-off to TensorFlow's pool thread and back, which on a machine whose cores
     * are busy waits for that thread to be scheduled.
     */
    static ConfigProto scoringSessionConfig(int threads) {
        ConfigProto config = sessionConfig(threads);
        return threads == 1 ? config.toBuilder().setInterOpParallelismThreads(-1).build() : config;
    }

    static ConfigProto sessionConfig(int threads) {
        return ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads).build();
    }

    static Shape shapeOf(int[] dims) {
        long[] d = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = dims[i];
        }
        return Shape.of(d);
    }

    /**
     * Fixed noise [1, S, Z]. With S >= 2: antithetic pairs (eps, -eps), plus a zero vector when S
     * is odd, rescaled so that every latent dimension has mean 0 and mean square 1 over the S
     * samples. The estimate of E_q[log p(x|z)] is then exact for any log-likelihood that is
     * quadratic in z along each latent axis (a linear-Gaussian decoder), and its variance is much
     * lower than that of S independent draws. With S = 1 it is a single Gaussian draw.
     */
    static float[] noiseValues(long seed, int samples, int latent) {
        Random random = new Random(seed);
        float[] eps = new float[samples * latent];
        if (samples == 1) {
            for (int k = 0; k < latent; k++) {
                eps[k] = (float) random.nextGaussian();
            }
            return eps;
        }
        int pairs = samples / 2;
        double[][] draws = new double[pairs][latent];
        for (double[] d : draws) {
            for (int k = 0; k < latent; k++) {
                d[k] = random.nextGaussian();
            }
        }
        for (int k = 0; k < latent; k++) {
            double squares = 0;
            for (double[] d : draws) {
                squares += 2 * d[k] * d[k];
            }
            double rescale = Math.sqrt(samples / squares);
            for (int s = 0; s < pairs; s++) {
                eps[s * latent + k] = (float) (draws[s][k] * rescale);
                eps[(s + pairs) * latent + k] = (float) (-draws[s][k] * rescale);
            }
        }
        return eps;
    }

    static float[] gaussianNoise(long seed, int samples, int latent) {
        Random random = new Random(seed);
        float[] eps = new float[samples * latent];
        for (int i = 0; i < eps.length; i++) {
            eps[i] = (float) random.nextGaussian();
        }
        return eps;
    }

    private static Operand<TFloat32> noise(Ops tf, float[] eps, int samples, int latent) {
        return tf.constant(Shape.of(1, samples, latent), DataBuffers.of(eps));
    }

    /**
     * A session call scores a multiple of this many rows, the batch padded with copies of its last
     * row. TensorFlow's CPU kernels (oneDNN) pick their code path by the number of rows, and the last
     * bits of a row's result depended on it: scored alone, or with two others, a record's -ELBO
     * differed from the same record's in a batch of 300 by up to 4e-8 of itself. In whole blocks of
     * eight rows it did not differ, at any batch size tried, so a record gets the same score whatever
     * batch it lands in, as a record replayed after a crash does.
     */
    static final int ROW_BLOCK = 8;

    /** Scores a batch of rows (spec order, NaN = missing) in one session call. */
    public ScoreBatch score(double[][] rows) {
        int b = rows.length;
        int nNum = layout.numNumeric();
        int nCat = layout.numCategorical();
        int f = layout.spec.size();
        if (b == 0) {
            return new ScoreBatch(new RecordScore[0]);
        }
        int padded = (b + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK;
        double[][] block = rows;
        if (padded != b) {
            block = java.util.Arrays.copyOf(rows, padded);
            java.util.Arrays.fill(block, b, padded, rows[b - 1]);
        }
        Layout.Inputs in = layout.encode(block, 0, padded, bundle.normalization());
        float[] klOut = new float[padded];
        float[] numOut = new float[padded * nNum];
        float[] catOut = new float[padded * nCat];
        float[] meanOut = new float[padded * nNum];
        float[] probOut = new float[padded * layout.catWidth];
        lock.readLock().lock();
        try {
            checkOpen();
            try (Feeds feeds = new Feeds(in)) {
                Session.Runner runner = feeds.runner().fetch(kl);
                if (nNum > 0) {
                    runner.fetch(numTerms).fetch(numMean);
                }
                if (nCat > 0) {
                    runner.fetch(catTerms).fetch(catProb);
                }
                try (Result result = runner.run()) {
                    int i = 0;
                    read(result, i++, klOut);
                    if (nNum > 0) {
                        read(result, i++, numOut);
                        read(result, i++, meanOut);
                    }
                    if (nCat > 0) {
                        read(result, i++, catOut);
                        read(result, i, probOut);
                    }
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        Normalization norm = bundle.normalization();
        RecordScore[] scores = new RecordScore[b];
        for (int r = 0; r < b; r++) {
            double[] terms = new double[f];
            double[] expected = new double[f];
            boolean[] missing = new boolean[f];
            for (int i = 0; i < nNum; i++) {
                int j = layout.numeric[i];
                missing[j] = in.mNum[r * nNum + i] == 0f;
                terms[j] = missing[j] ? 0 : numOut[r * nNum + i];
                expected[j] = norm.center(j) + norm.scale(j) * meanOut[r * nNum + i];
            }
            for (int c = 0; c < nCat; c++) {
                int j = layout.categorical[c];
                missing[j] = in.mCat[r * nCat + c] == 0f;
                terms[j] = missing[j] ? 0 : catOut[r * nCat + c];
                int best = 0;
                int base = r * layout.catWidth + layout.catOffset[c];
                for (int k = 1; k < layout.catSize[c]; k++) {
                    if (probOut[base + k] > probOut[base + best]) {
                        best = k;
                    }
                }
                expected[j] = best;
            }
            scores[r] = new RecordScore(klOut[r], terms, expected, missing);
        }
        return new ScoreBatch(scores);
    }

    /** The importance-weighted estimate of -log p(x) in nats (raw units), with K fixed samples; one session call. */
    public double[] scoreIwae(double[][] rows) {
        int b = rows.length;
        double[] out = new double[b];
        if (b == 0) {
            return out;
        }
        Layout.Inputs in = layout.encode(rows, 0, b, bundle.normalization());
        float[] values = new float[b];
        lock.readLock().lock();
        try {
            checkOpen();
            try (Feeds feeds = new Feeds(in); Result result = feeds.runner().fetch(iwae).run()) {
                read(result, 0, values);
            }
        } finally {
            lock.readLock().unlock();
        }
        for (int r = 0; r < b; r++) {
            out[r] = values[r];
        }
        return out;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this model (version " + bundle.version() + ") is closed");
        }
    }

    private static void read(Result result, int index, float[] into) {
        ((TFloat32) result.get(index)).copyTo(DataBuffers.of(into, false, false));
    }

    /** The input tensors of one call; closed after it. */
    private final class Feeds implements AutoCloseable {
        private final TFloat32 xNum;
        private final TFloat32 mNum;
        private final TFloat32 xCat;
        private final TFloat32 mCat;

        Feeds(Layout.Inputs in) {
            int nNum = layout.numNumeric();
            int nCat = layout.numCategorical();
            xNum = nNum == 0 ? null : TFloat32.tensorOf(Shape.of(in.rows, nNum), DataBuffers.of(in.xNum, true, false));
            mNum = nNum == 0 ? null : TFloat32.tensorOf(Shape.of(in.rows, nNum), DataBuffers.of(in.mNum, true, false));
            xCat = nCat == 0 ? null : TFloat32.tensorOf(Shape.of(in.rows, layout.catWidth), DataBuffers.of(in.xCat, true, false));
            mCat = nCat == 0 ? null : TFloat32.tensorOf(Shape.of(in.rows, nCat), DataBuffers.of(in.mCat, true, false));
        }

        Session.Runner runner() {
            Session.Runner runner = session.runner();
            if (xNum != null) {
                runner.feed(vae.xNum, xNum).feed(vae.mNum, mNum);
            }
            if (xCat != null) {
                runner.feed(vae.xCat, xCat).feed(vae.mCat, mCat);
            }
            return runner;
        }

        @Override
        public void close() {
            for (TFloat32 t : new TFloat32[] {xNum, mNum, xCat, mCat}) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** Closes the session and graph after the calls in flight; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                session.close();
                graph.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
