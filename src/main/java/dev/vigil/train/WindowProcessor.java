package dev.vigil.train;

import dev.vigil.model.ModelBundle;
import dev.vigil.score.TrainingSample;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling training window and the retraining schedule. It consumes the single-partition
 * training topic, so exactly one task in the application owns it: Kafka Streams' own assignment
 * decides which instance trains, and moves the window (a changelogged store) when it dies.
 *
 * <p>The processor wires five small classes together: {@link TrainingWindow} (the stores),
 * {@link ShiftAdmission} (which samples enter, and the shift state), {@link RetrainingSchedule}
 * (when a run is due, checked every second), {@link DriftFollower} and {@link ModelPublisher}.
 * Itself it keeps the punctuation, the trainer thread (scoring never waits for a training) and
 * the forwarding: a promoted model goes to the models topic from this task's punctuator, so
 * publication is fenced like any other output of the task (exactly once under
 * {@code exactly_once_v2}). When a shift settles after a model trained on the post-shift samples
 * was promoted, the samples from before the shift leave the window: the new normal has replaced
 * the old one.
 */
public final class WindowProcessor implements Processor<byte[], byte[], Long, byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(WindowProcessor.class);

    private final String windowStoreName;
    private final String metaStoreName;
    private final WindowSettings settings;
    private final Retrainer retrainer;
    private final Supplier<ModelBundle> currentModel;
    private final String modelsChild;
    private final WindowListener listener;
    private final RetrainingSchedule schedule;
    private final ModelPublisher publisher;
    private final TrainingRuns runs;

    private ProcessorContext<Long, byte[]> context;
    private TrainingWindow window;
    private ShiftAdmission admission;
    private DriftFollower drift;
    private TrainerThread trainer;
    private long latestEventTime = Long.MIN_VALUE;
    /** Wall-clock ms the last retraining on this instance took (0 after a start, and inline): what the next is spaced by. */
    private long lastTrainingTookMs;

    public WindowProcessor(String windowStoreName, String metaStoreName, WindowSettings settings, Retrainer retrainer,
                           Supplier<ModelBundle> currentModel, String modelsChild, WindowListener listener, TrainingRuns runs) {
        this.windowStoreName = windowStoreName;
        this.metaStoreName = metaStoreName;
        this.settings = settings;
        this.retrainer = retrainer;
        this.currentModel = currentModel;
        this.modelsChild = modelsChild;
        this.listener = listener;
        this.runs = runs;
        this.schedule = new RetrainingSchedule(settings.minRecords(), settings.retrainRecords(), settings.retrainInterval(),
                settings.retrainMaxTimeShare());
        this.publisher = new ModelPublisher(settings.keepVersions(), settings.maxBundleBytes());
    }

    @Override
    public void init(ProcessorContext<Long, byte[]> context) {
        this.context = context;
        this.window = new TrainingWindow(context.getStateStore(windowStoreName), context.getStateStore(metaStoreName));
        this.admission = new ShiftAdmission(settings.admitMinPValue(), retrainer.targetFpr(), settings.shiftAlertRate(),
                settings.shiftMinDuration(),
                settings.shiftAdmitShare(), Math.max(5, settings.minRecords() / 1000));
        this.drift = new DriftFollower(settings.driftUpdateRecords(), settings.driftInterval());
        this.trainer = new TrainerThread(runs);
        listener.windowSize(window.size(), window.calibrationOnly());
        LOG.info("Training window restored with {} records (last published version {})", window.size(), window.lastVersion());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        TrainingSample sample = TrainingSample.fromBytes(record.value());
        latestEventTime = Math.max(latestEventTime, sample.eventTime());
        if (sample.scored()) {
            ShiftAdmission.Change change = admission.observe(sample, window.next());
            switch (change) {
                case SHIFT_DETECTED -> {
                    LOG.warn("Sustained shift: the anomaly rate stayed above {} for {}; admitting the lowest-scoring {} of "
                            + "recent traffic as the new normal", settings.shiftAlertRate(), settings.shiftMinDuration(),
                            settings.shiftAdmitShare());
                    listener.shiftDetected();
                    // An ordinary run would hold the trainer while the old model flags most of the traffic:
                    // the shift's first round starts as soon as it is due instead. Nothing of the dropped run
                    // was trained, so its samples still count towards the next.
                    if (trainer.busy() && !trainer.runningAfterShift()) {
                        LOG.info("Cancelling the retraining in flight: the shift's rounds come first");
                        trainer.cancel();
                    }
                }
                case SETTLED_ON_NEW_NORMAL -> {
                    long dropped = window.dropBefore(admission.shiftStart());
                    LOG.info("The new normal is learned (anomaly rate {}); {} records from before the shift left the window",
                            admission.lastBucketRate(), dropped);
                    listener.shiftSettled();
                }
                case SETTLED_ON_OLD_NORMAL -> {
                    LOG.info("The anomaly rate is low again without a retraining: the old normal is back; the window stays");
                    listener.shiftSettled();
                }
                case NONE -> {
                    if (!sample.anomaly() && !admission.shifting()) {
                        drift.collect(sample.score(), currentModel.get());
                    }
                }
            }
        }
        if (admission.admits(sample)) {
            window.admit(record.value(), admission.trainable(sample), settings.windowRecords());
            admission.admitted();
        }
    }

    private void tick(long now) {
        long lastTraining = window.lastTrainingMs(now);
        boolean driftDue = drift.due(now);
        if (settings.windowMs() > 0 && latestEventTime != Long.MIN_VALUE) {
            window.evictOlderThan(latestEventTime - settings.windowMs());
        }
        listener.windowSize(window.size(), window.calibrationOnly());
        if (trainer.busy()) {
            trainer.poll().ifPresent(finished -> finish(finished, now));
            return;
        }
        if (driftDue) {
            followDrift(now);
        }
        boolean hasModel = currentModel.get() != null || window.lastVersion() > 0;
        if (schedule.due(new RetrainingSchedule.State(hasModel, admission.shifting(), window.size(),
                window.admittedSinceTraining(), admission.admittedSinceRound(), now - lastTraining, lastTrainingTookMs))) {
            start();
            trainer.poll().ifPresent(finished -> finish(finished, now)); // an inline run has ended already
        }
    }

    private void start() {
        boolean shifting = admission.shifting();
        // During a shift, train on the new normal alone: the old one would only dilute it.
        TrainingWindow.Rows rows = window.rows(shifting ? admission.shiftStart() : window.first());
        ModelBundle current = currentModel.get();
        LOG.info("Training on a window of {} records{}", rows.size(), shifting ? " (after a shift)" : "");
        // The counter is reduced when the training finishes, not now: a task moved mid-training retrains.
        trainer.start(() -> retrainer.run(rows.features(), rows.trainable(), current, shifting),
                window.admittedSinceTraining(), shifting);
    }

    private void finish(TrainerThread.Finished finished, long now) {
        Retrainer.Outcome outcome = finished.outcome();
        window.trainingFinished(finished.admittedAtStart(), now);
        // Inline runs (a backtest) stop the clock they would be spaced on; spacing them would make a replay depend on this machine.
        lastTrainingTookMs = runs == TrainingRuns.BACKGROUND ? Math.round(outcome.seconds() * 1000) : 0;
        if (outcome.result() == Retrainer.Result.PROMOTED) {
            try {
                forward(outcome.bundle(), now);
                if (finished.afterShift()) {
                    admission.promotedDuringShift();
                }
            } catch (ModelPublisher.TooLargeException e) {
                outcome = new Retrainer.Outcome(Retrainer.Result.FAILED, null, e.getMessage(),
                        outcome.seconds(), outcome.trainLoss(), outcome.validationLoss());
            }
        }
        switch (outcome.result()) {
            case PROMOTED -> LOG.info("Promoted model v{}: {}", window.lastVersion(), outcome.reason());
            case REJECTED -> LOG.warn("Rejected a candidate model: {}", outcome.reason());
            case FAILED -> LOG.error("Training failed, the current model stays: {}", outcome.reason());
        }
        listener.trainingFinished(outcome);
    }

    /** Forwards {@code bundle} to the models topic as the next version, with a tombstone for the version that expires. */
    private void forward(ModelBundle bundle, long now) throws ModelPublisher.TooLargeException {
        ModelPublisher.Publication p = publisher.publish(bundle, currentModel.get(), window.lastVersion());
        context.forward(new Record<>(p.version(), p.bytes(), now), modelsChild);
        p.expired().ifPresent(v -> context.forward(new Record<>(v, (byte[]) null, now), modelsChild));
        window.published(p.version());
    }

    /**
     * A drift update: published as the next version, and only when no training is running (its
     * candidate would not carry the update).
     */
    private void followDrift(long now) {
        drift.update(currentModel.get(), window.lastVersion(), admission.shifting(), now).ifPresent(updated -> {
            try {
                forward(updated, now);
                LOG.info("Drift update of model v{} published as model v{}", updated.version(), window.lastVersion());
            } catch (ModelPublisher.TooLargeException e) {
                LOG.error("Drift update not published: {}", e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        if (trainer != null) {
            trainer.close();
        }
        listener.windowSize(0, 0); // the window moves with the task: this instance no longer holds it
        if (admission != null && admission.shifting()) {
            listener.shiftSettled(); // nor is it adapting to a shift any more
        }
    }
}
