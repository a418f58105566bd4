package dev.vigil.train;

/** Told about the training window and every training run, e.g. to update metrics. */
public interface WindowListener {
    /** The window holds {@code records} samples, {@code calibrationOnly} of them to calibrate with only. */
    void windowSize(long records, long calibrationOnly);

    void trainingFinished(Retrainer.Outcome outcome);

    void shiftDetected();

    /** The shift is over: the anomaly rate stayed low for the shift's minimum duration. */
    void shiftSettled();
}
