package dev.vigil.train;

/** Told about the training window and every training run, e.g. to update metrics. */
public interface WindowListener {
    void windowSize(long records);

    void trainingFinished(Retrainer.Outcome outcome);

    void shiftDetected();

    /** The shift is over: the anomaly rate stayed low for the shift's minimum duration. */
    void shiftSettled();
}
