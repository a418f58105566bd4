package dev.vigil.train;

import dev.vigil.calibration.Calibration;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.TrainingSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling training window and the retraining schedule. It consumes the single-partition
 * training topic, so exactly one task in the application owns it: Kafka Streams' own assignment
 * decides which instance trains, and moves the window (a changelogged store) when it dies.
 *
 * <p><b>Admission.</b> Unscored records (cold start) are admitted. A scored record is admitted
 * when it was judged normal with a p-value of at least {@code admitMinPValue}: a burst of
 * anomalies never enters. When the {@link ShiftDetector} sees a sustained shift, records are
 * admitted by rank instead (those scoring within the lowest {@code shiftAdmitShare} of recent
 * traffic), and a retraining on the records admitted since the shift follows each time
 * {@code minRecords / 2} of them entered. Rank admission goes on, round after round, until the
 * anomaly rate stays below a twentieth of the shift bound for the shift's minimum duration
 * ({@link ShiftDetector#settled()}); then, if a model trained on the post-shift records was
 * promoted, the records from before the shift leave the window: the new normal has replaced the
 * old one. (A low rate without such a model means the old normal came back; the window stays.)
 *
 * <p><b>Schedule.</b> Checked every second: train the first model once the window holds
 * {@code minRecords}; then retrain when {@code retrainRecords} new records entered since the last
 * training, or {@code retrainInterval} passed, whichever comes first. Training runs on its own
 * thread; scoring never waits for it.
 *
 * <p><b>Publication.</b> A promoted model is forwarded from this task's punctuator to the models
 * topic, so publication is fenced like any other output of the task (exactly once under
 * {@code exactly_once_v2}). Versions increase strictly; the oldest beyond {@code keepVersions}
 * are tombstoned.
 */
public final class WindowProcessor implements Processor<byte[], byte[], Long, byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(WindowProcessor.class);
    private static final int RECENT_SCORES = 2_000;
    private static final int MIN_RANKED = 200;

    /** Told about the window and every training run, e.g. to update metrics. */
    public interface Listener {
        void windowSize(long records);

        void trainingFinished(Retrainer.Outcome outcome);

        void shiftDetected();

        /** The shift is over: the anomaly rate stayed low for the shift's minimum duration. */
        void shiftSettled();
    }

    /** Settings of the window and its schedule. */
    public record Settings(int windowRecords, long windowMs, int minRecords, int retrainRecords, Duration retrainInterval,
                           double admitMinPValue, double shiftAlertRate, Duration shiftMinDuration, double shiftAdmitShare,
                           int keepVersions, int maxBundleBytes, int driftUpdateRecords,
                           Duration driftInterval) {
    }

    // Keys of the meta store.
    static final String FIRST = "first";
    static final String NEXT = "next";
    static final String ADMITTED_SINCE_TRAINING = "admitted-since-training";
    static final String LAST_TRAINING_MS = "last-training-ms";
    static final String LAST_VERSION = "last-version";

    private final String windowStoreName;
    private final String metaStoreName;
    private final Settings settings;
    private final Retrainer retrainer;
    private final Supplier<ModelBundle> currentModel;
    private final String modelsChild;
    private final Listener listener;

    private ProcessorContext<Long, byte[]> context;
    private KeyValueStore<Long, byte[]> window;
    private KeyValueStore<String, Long> meta;
    private ExecutorService trainer;
    private Future<Retrainer.Outcome> training;
    private long admittedAtStart;
    /** Whether the training in flight started during a shift, on the new normal only. */
    private boolean trainingAfterShift;
    /** Sequence of the first record admitted after the shift was recognised. */
    private long shiftStart;
    /** Whether a model trained on the post-shift records was promoted: only then may the old ones go. */
    private boolean promotedSinceShift;
    private ShiftDetector shiftDetector;
    private boolean shifting;
    private long shiftAdmitted;
    private final double[] recentScores = new double[RECENT_SCORES];
    private int recentCount;
    private int quantileAt = -1;
    private double quantile;
    private long latestEventTime = Long.MIN_VALUE;
    /** The latest scores of sampled normal records (a ring), all scored by model {@link #driftVersion}. */
    private double[] driftScores;
    private long driftCount;
    private long driftVersion = -1;
    private long lastDriftMs;

    public WindowProcessor(String windowStoreName, String metaStoreName, Settings settings, Retrainer retrainer,
                           Supplier<ModelBundle> currentModel, String modelsChild, Listener listener) {
        this.windowStoreName = windowStoreName;
        this.metaStoreName = metaStoreName;
        this.settings = settings;
        this.retrainer = retrainer;
        this.currentModel = currentModel;
        this.modelsChild = modelsChild;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Long, byte[]> context) {
        this.context = context;
        this.window = context.getStateStore(windowStoreName);
        this.meta = context.getStateStore(metaStoreName);
        this.shiftDetector = new ShiftDetector(settings.shiftAlertRate(), settings.shiftMinDuration(),
                Math.max(5, (int) (settings.minRecords() / 1000)));
        this.driftScores = new double[settings.driftUpdateRecords()];
        this.trainer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vigil-trainer");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY); // scoring comes first on a small machine
            return t;
        });
        listener.windowSize(size());
        LOG.info("Training window restored with {} records (last published version {})", size(), get(LAST_VERSION));
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    private long get(String key) {
        Long v = meta.get(key);
        return v == null ? 0 : v;
    }

    private long size() {
        return get(NEXT) - get(FIRST);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        TrainingSample sample = TrainingSample.fromBytes(record.value());
        latestEventTime = Math.max(latestEventTime, sample.eventTime());
        if (sample.scored()) {
            if (shiftDetector.observe(sample.eventTime(), sample.anomaly()) && !shifting) {
                shifting = true;
                shiftAdmitted = 0;
                shiftStart = get(NEXT);
                promotedSinceShift = false;
                recentCount = 0; // rank against the new traffic, not the old normal's scores
                LOG.warn("Sustained shift: the anomaly rate stayed above {} for {}; admitting the lowest-scoring {} of "
                        + "recent traffic as the new normal", settings.shiftAlertRate(), settings.shiftMinDuration(),
                        settings.shiftAdmitShare());
                listener.shiftDetected();
            }
            recentScores[recentCount++ % RECENT_SCORES] = sample.score();
            if (!sample.anomaly() && !shifting && Double.isFinite(sample.score())) {
                collectForDrift(sample.score());
            }
            if (shifting && shiftDetector.settled()) {
                shifting = false;
                if (promotedSinceShift) {
                    long first = get(FIRST);
                    for (long seq = first; seq < shiftStart; seq++) {
                        window.delete(seq);
                    }
                    meta.put(FIRST, Math.max(first, shiftStart));
                    LOG.info("The new normal is learned (anomaly rate {}); {} records from before the shift left the window",
                            shiftDetector.lastBucketRate(), Math.max(0, shiftStart - first));
                } else {
                    // No model learned the post-shift traffic, yet the rate is low again: the old normal is back.
                    LOG.info("The anomaly rate is low again without a retraining: the old normal is back; the window stays");
                }
                listener.shiftSettled();
            }
        }
        if (admit(sample)) {
            long next = get(NEXT);
            window.put(next, record.value());
            meta.put(NEXT, next + 1);
            meta.put(ADMITTED_SINCE_TRAINING, get(ADMITTED_SINCE_TRAINING) + 1);
            if (shifting) {
                shiftAdmitted++;
            }
            evictBeyondCount();
        }
    }

    private boolean admit(TrainingSample sample) {
        if (!sample.scored()) {
            return true;
        }
        if (shifting) {
            // Too few scores since the shift to rank against: admit nothing yet rather than anything.
            return recentCount >= MIN_RANKED && sample.score() <= recentQuantile(settings.shiftAdmitShare());
        }
        return !sample.anomaly() && sample.pValue() >= settings.admitMinPValue();
    }

    private double recentQuantile(double q) {
        // Sorting 2,000 scores for every sample would cost more than the rest of this task: refresh every 50.
        if (quantileAt < 0 || recentCount - quantileAt >= 50 || recentCount < quantileAt) {
            int n = Math.min(recentCount, RECENT_SCORES);
            double[] sorted = Arrays.copyOf(recentScores, n);
            Arrays.sort(sorted);
            quantile = sorted[Math.min(n - 1, (int) Math.floor(q * n))];
            quantileAt = recentCount;
        }
        return quantile;
    }

    private void evictBeyondCount() {
        long first = get(FIRST);
        long next = get(NEXT);
        while (next - first > settings.windowRecords()) {
            window.delete(first++);
        }
        meta.put(FIRST, first);
    }

    private void evictByTime() {
        if (settings.windowMs() <= 0 || latestEventTime == Long.MIN_VALUE) {
            return;
        }
        long first = get(FIRST);
        long next = get(NEXT);
        long cutoff = latestEventTime - settings.windowMs();
        while (first < next) {
            byte[] value = window.get(first);
            if (value != null && TrainingSample.fromBytes(value).eventTime() >= cutoff) {
                break;
            }
            window.delete(first++);
        }
        meta.put(FIRST, first);
    }

    private void tick(long now) {
        if (get(LAST_TRAINING_MS) == 0) {
            meta.put(LAST_TRAINING_MS, now); // the interval counts from when this window started
        }
        if (lastDriftMs == 0) {
            lastDriftMs = now;
        }
        evictByTime();
        listener.windowSize(size());
        if (training != null) {
            if (training.isDone()) {
                finish(now);
            }
            return;
        }
        if (driftCount >= driftScores.length && now - lastDriftMs >= settings.driftInterval().toMillis()) {
            followDrift(now);
        }
        long admitted = get(ADMITTED_SINCE_TRAINING);
        boolean hasModel = currentModel.get() != null || get(LAST_VERSION) > 0;
        boolean due;
        if (!hasModel) {
            due = size() >= settings.minRecords();
        } else if (shifting) {
            due = shiftAdmitted >= settings.minRecords() / 2;
        } else {
            due = admitted >= settings.retrainRecords()
                    || (admitted > 0 && now - get(LAST_TRAINING_MS) >= settings.retrainInterval().toMillis());
        }
        if (due && (shifting || size() >= settings.minRecords())) {
            start(now);
        }
    }

    private void start(long now) {
        // During a shift, train on the new normal alone: the old one would only dilute it.
        double[][] rows = snapshot(shifting ? Math.max(get(FIRST), shiftStart) : get(FIRST));
        ModelBundle current = currentModel.get();
        // The counter is reduced when the training finishes, not now: a task moved mid-training retrains.
        admittedAtStart = get(ADMITTED_SINCE_TRAINING);
        trainingAfterShift = shifting;
        LOG.info("Training on a window of {} records{}", rows.length, shifting ? " (after a shift)" : "");
        boolean urgent = shifting;
        training = trainer.submit(() -> retrainer.run(rows, current, urgent));
    }

    private double[][] snapshot(long from) {
        List<double[]> rows = new ArrayList<>((int) (get(NEXT) - from));
        try (KeyValueIterator<Long, byte[]> it = window.range(from, get(NEXT) - 1)) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> kv = it.next();
                rows.add(TrainingSample.fromBytes(kv.value).features());
            }
        }
        return rows.toArray(double[][]::new);
    }

    private void finish(long now) {
        Retrainer.Outcome outcome;
        try {
            outcome = training.get();
        } catch (Exception e) {
            outcome = new Retrainer.Outcome(Retrainer.Result.FAILED, null, e.toString(), 0, Double.NaN, Double.NaN);
        }
        training = null;
        meta.put(ADMITTED_SINCE_TRAINING, Math.max(0, get(ADMITTED_SINCE_TRAINING) - admittedAtStart));
        meta.put(LAST_TRAINING_MS, now);
        if (outcome.result() == Retrainer.Result.PROMOTED) {
            outcome = publish(outcome, now);
        }
        switch (outcome.result()) {
            case PROMOTED -> LOG.info("Promoted model v{}: {}", get(LAST_VERSION), outcome.reason());
            case REJECTED -> LOG.warn("Rejected a candidate model: {}", outcome.reason());
            case FAILED -> LOG.error("Training failed, the current model stays: {}", outcome.reason());
        }
        listener.trainingFinished(outcome);
    }

    private Retrainer.Outcome publish(Retrainer.Outcome outcome, long now) {
        String tooLarge = forward(outcome.bundle(), now);
        if (tooLarge != null) {
            return new Retrainer.Outcome(Retrainer.Result.FAILED, null, tooLarge,
                    outcome.seconds(), outcome.trainLoss(), outcome.validationLoss());
        }
        if (trainingAfterShift) {
            shiftAdmitted = 0; // the next round ranks against this model
            promotedSinceShift = true;
        }
        return outcome;
    }

    /**
     * Forwards {@code bundle} to the models topic as the next version and tombstones the oldest
     * beyond {@code keepVersions}; returns why it did not, or null.
     */
    private String forward(ModelBundle bundle, long now) {
        ModelBundle current = currentModel.get();
        long version = Math.max(get(LAST_VERSION), current == null ? 0 : current.version()) + 1;
        byte[] bytes = bundle.withVersion(version).toBytes();
        if (bytes.length > settings.maxBundleBytes()) {
            return "the model bundle has " + bytes.length + " bytes, more than vigil.model.max.bytes = "
                    + settings.maxBundleBytes() + "; it was not published";
        }
        context.forward(new Record<>(version, bytes, now), modelsChild);
        long expired = version - settings.keepVersions();
        if (expired >= 1) {
            context.forward(new Record<>(expired, (byte[]) null, now), modelsChild);
        }
        meta.put(LAST_VERSION, version);
        return null;
    }

    /** Keeps the score for the next drift update; starts over when another model began scoring. */
    private void collectForDrift(double score) {
        ModelBundle current = currentModel.get();
        if (current == null) {
            return;
        }
        if (current.version() != driftVersion) {
            driftVersion = current.version();
            driftCount = 0;
        }
        driftScores[(int) (driftCount++ % driftScores.length)] = score;
    }

    /**
     * A drift update (DSPOT-style, see {@link Calibration#updated}): the current model with its
     * calibration shifted towards the recent normal scores, published as the next version. Only for
     * models calibrated with drift on, and only when no training is running (its candidate would
     * not carry the update).
     */
    private void followDrift(long now) {
        lastDriftMs = now;
        ModelBundle current = currentModel.get();
        // Not while a shift is being learned, and not over a version this task published that has not come
        // back through the models topic yet: the update would republish the old weights over it.
        if (shifting || current == null || current.version() != driftVersion || current.version() < get(LAST_VERSION)
                || current.calibration().length == 0) {
            return;
        }
        Calibration calibration;
        Calibration updated;
        try {
            calibration = Calibration.fromBytes(current.calibration());
            if (!calibration.settings().driftEnabled()) {
                return;
            }
            updated = calibration.updated(driftScores.clone());
        } catch (RuntimeException e) {
            // A punctuator that throws stops the stream thread: a failed drift update only skips this one.
            LOG.error("Drift update of model v{} failed; the calibration stays", current.version(), e);
            return;
        }
        driftCount = 0; // the next update waits for scores of the model published now
        String tooLarge = forward(current.withCalibration(updated.toBytes()), now);
        if (tooLarge != null) {
            LOG.error("Drift update not published: {}", tooLarge);
            return;
        }
        LOG.info("Drift: calibration v{} of model v{} moves the threshold from {} to {} nats; published as model v{}",
                updated.version(), current.version(), calibration.threshold(), updated.threshold(), get(LAST_VERSION));
    }

    @Override
    public void close() {
        if (trainer != null) {
            trainer.shutdownNow();
        }
        listener.windowSize(0); // the window moves with the task: this instance no longer holds it
        if (shifting) {
            listener.shiftSettled(); // nor is it adapting to a shift any more
        }
    }
}
