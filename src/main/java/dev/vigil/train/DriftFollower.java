package dev.vigil.train;

import dev.vigil.calibration.Calibration;
import dev.vigil.model.ModelBundle;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows slow drift of normal scores (DSPOT-style, see {@link Calibration#updated}): it keeps the
 * latest scores of normal samples, all scored by one model version, and at most once per
 * {@code interval}, once it holds {@code updateRecords} of them, gives the current model with its
 * calibration moved towards those scores, to be published as the next version. Only models
 * calibrated with drift on are updated.
 */
final class DriftFollower {

    private static final Logger LOG = LoggerFactory.getLogger(DriftFollower.class);

    private final double[] scores;
    private final Duration interval;
    private long count;
    private long version = -1;
    private long lastUpdateMs;

    DriftFollower(int updateRecords, Duration interval) {
        this.scores = new double[updateRecords];
        this.interval = interval;
    }

    /** Keeps the score of a normal sample scored by {@code current}; starts over when another model began scoring. */
    void collect(double score, ModelBundle current) {
        if (current == null || !Double.isFinite(score)) {
            return;
        }
        if (current.version() != version) {
            version = current.version();
            count = 0;
        }
        scores[(int) (count++ % scores.length)] = score;
    }

    /** Whether an update may be tried at {@code now}: enough scores, and the interval passed since the last try. */
    boolean due(long now) {
        if (lastUpdateMs == 0) {
            lastUpdateMs = now; // the interval counts from the first tick
        }
        return count >= scores.length && now - lastUpdateMs >= interval.toMillis();
    }

    /**
     * The current model with its calibration updated, or empty when there is nothing to update:
     * too few scores, no model, scores of another version, a version this task published that has not come back
     * through the models topic yet ({@code lastPublished} above it), a calibration without drift, or
     * a shift being learned.
     */
    Optional<ModelBundle> update(ModelBundle current, long lastPublished, boolean shifting, long now) {
        lastUpdateMs = now;
        if (shifting || count < scores.length || current == null || current.version() != version || current.version() < lastPublished
                || current.calibration().length == 0) {
            return Optional.empty();
        }
        Calibration calibration;
        Calibration updated;
        try {
            calibration = Calibration.fromBytes(current.calibration());
            if (!calibration.settings().driftEnabled()) {
                return Optional.empty();
            }
            updated = calibration.updated(scores.clone());
        } catch (RuntimeException e) {
            // A punctuator that throws stops the stream thread: a failed drift update only skips this one.
            LOG.error("Drift update of model v{} failed; the calibration stays", current.version(), e);
            return Optional.empty();
        }
        count = 0; // the next update waits for scores of the model published now
        LOG.info("Drift: calibration v{} of model v{} moves the threshold from {} to {} nats", updated.version(),
                current.version(), calibration.threshold(), updated.threshold());
        return Optional.of(current.withCalibration(updated.toBytes()));
    }
}
