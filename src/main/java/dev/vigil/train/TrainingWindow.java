package dev.vigil.train;

import dev.vigil.score.TrainingSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The rolling training window in two changelogged stores: the admitted samples under increasing
 * sequence numbers, and a few counters beside them. Everything here survives a restart or a
 * move of the task, because it lives in the stores and nowhere else.
 *
 * <p>A sample is stored as its {@link TrainingSample} bytes; one admitted for calibration only
 * (see {@link ShiftAdmission}) carries {@link TrainingSample#markedCalibrationOnly}'s mark.
 */
final class TrainingWindow {

    // Keys of the meta store.
    static final String FIRST = "first";
    static final String NEXT = "next";
    static final String ADMITTED_SINCE_TRAINING = "admitted-since-training";
    static final String LAST_TRAINING_MS = "last-training-ms";
    static final String LAST_VERSION = "last-version";
    static final String CALIBRATION_ONLY = "calibration-only";

    private final KeyValueStore<Long, byte[]> samples;
    private final KeyValueStore<String, Long> meta;

    TrainingWindow(KeyValueStore<Long, byte[]> samples, KeyValueStore<String, Long> meta) {
        this.samples = samples;
        this.meta = meta;
    }

    /** Sequence number of the oldest sample still in the window. */
    long first() {
        return get(FIRST);
    }

    /** Sequence number the next admitted sample gets. */
    long next() {
        return get(NEXT);
    }

    long size() {
        return next() - first();
    }

    /** The rows of a window, oldest first, and whether a model may be trained on each (the rest calibrate only). */
    record Rows(double[][] features, boolean[] trainable) {

        int size() {
            return features.length;
        }
    }

    /**
     * Appends a sample (its {@link TrainingSample} bytes) and drops the oldest beyond
     * {@code maxRecords}; {@code trainable} false keeps it for calibration only.
     */
    void admit(byte[] sample, boolean trainable, int maxRecords) {
        long next = next();
        samples.put(next, trainable ? sample : TrainingSample.markedCalibrationOnly(sample));
        if (!trainable) {
            meta.put(CALIBRATION_ONLY, calibrationOnly() + 1);
        }
        meta.put(NEXT, next + 1);
        meta.put(ADMITTED_SINCE_TRAINING, admittedSinceTraining() + 1);
        dropBefore(next + 1 - maxRecords);
    }

    /** Drops the samples older than {@code cutoff} in event time, oldest first, up to the first newer one. */
    void evictOlderThan(long cutoff) {
        long first = first();
        long next = next();
        while (first < next) {
            byte[] value = samples.get(first);
            if (value != null && TrainingSample.fromBytes(value).eventTime() >= cutoff) {
                break;
            }
            deleted(samples.delete(first++));
        }
        meta.put(FIRST, first);
    }

    /** Drops every sample with a sequence number below {@code sequence}; returns how many went. */
    long dropBefore(long sequence) {
        long first = first();
        long end = Math.min(sequence, next());
        for (long seq = first; seq < end; seq++) {
            deleted(samples.delete(seq));
        }
        meta.put(FIRST, Math.max(first, end));
        return Math.max(0, end - first);
    }

    /** The samples from sequence {@code from} on, oldest first. */
    Rows rows(long from) {
        long start = Math.max(from, first());
        if (start >= next()) {
            return new Rows(new double[0][], new boolean[0]);
        }
        List<double[]> features = new ArrayList<>((int) (next() - start));
        boolean[] trainable = new boolean[(int) (next() - start)];
        try (KeyValueIterator<Long, byte[]> it = samples.range(start, next() - 1)) {
            while (it.hasNext()) {
                byte[] value = it.next().value;
                trainable[features.size()] = !TrainingSample.isCalibrationOnly(value);
                features.add(TrainingSample.fromBytes(value).features());
            }
        }
        return new Rows(features.toArray(double[][]::new), Arrays.copyOf(trainable, features.size()));
    }

    /** How many of the window's samples are kept for calibration only. */
    long calibrationOnly() {
        return get(CALIBRATION_ONLY);
    }

    private void deleted(byte[] sample) {
        if (sample != null && TrainingSample.isCalibrationOnly(sample)) {
            meta.put(CALIBRATION_ONLY, calibrationOnly() - 1);
        }
    }

    long admittedSinceTraining() {
        return get(ADMITTED_SINCE_TRAINING);
    }

    /**
     * Records that a training finished: the samples admitted before it started no longer count
     * towards the next one, and the retrain interval starts over at {@code now}.
     */
    void trainingFinished(long admittedAtStart, long now) {
        meta.put(ADMITTED_SINCE_TRAINING, Math.max(0, admittedSinceTraining() - admittedAtStart));
        meta.put(LAST_TRAINING_MS, now);
    }

    /** Wall-clock time of the last finished training; on the first call, {@code now} becomes that time. */
    long lastTrainingMs(long now) {
        if (get(LAST_TRAINING_MS) == 0) {
            meta.put(LAST_TRAINING_MS, now); // the interval counts from when this window started
        }
        return get(LAST_TRAINING_MS);
    }

    /** The last model version this window's task published, 0 if none. */
    long lastVersion() {
        return get(LAST_VERSION);
    }

    void published(long version) {
        meta.put(LAST_VERSION, version);
    }

    private long get(String key) {
        Long v = meta.get(key);
        return v == null ? 0 : v;
    }
}
