package dev.vigil.train;

/** Where the window's trainings run. */
public enum TrainingRuns {
    /** On a thread of their own, so scoring never waits for one: the service. */
    BACKGROUND,
    /** On the punctuator's thread, so the stream waits and a model takes effect when it was due: a backtest. */
    INLINE
}
