package dev.vigil.service;

import dev.vigil.ingest.ErrorClass;
import dev.vigil.metrics.VigilMetrics;
import dev.vigil.score.Alert;
import dev.vigil.score.Outcome;
import dev.vigil.topology.VigilTopology;
import dev.vigil.train.Retrainer;

/**
 * Feeds what the topology reports into Prometheus metrics. {@code vigil_alerts_total} counts
 * anomalous records by severity; {@code vigil_incidents_total} counts incidents, i.e. pages.
 */
public final class MetricsListener implements VigilTopology.Listener {

    private final VigilMetrics metrics;

    public MetricsListener(VigilMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void deadLetter(String sourceTopic, ErrorClass errorClass) {
        metrics.recordOutcome(sourceTopic, Outcome.DEAD_LETTER);
        metrics.deadLetter(errorClass.label());
    }

    @Override
    public void batchScored(int size, long nanos) {
        metrics.observeBatch(size, nanos / 1e9);
    }

    @Override
    public boolean timesBufferWait() {
        return true;
    }

    @Override
    public void bufferWaited(long nanos) {
        metrics.observeBufferWait(nanos / 1e9);
    }

    @Override
    public void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
        metrics.recordOutcome(sourceTopic, outcome);
        metrics.observeScore(score);
        metrics.observeEndToEndLatency((System.currentTimeMillis() - timestamp) / 1e3);
    }

    @Override
    public void windowSize(long records, long calibrationOnly) {
        metrics.setWindowSize(records, calibrationOnly);
    }

    @Override
    public void trainingFinished(Retrainer.Outcome outcome) {
        metrics.trainingRun(outcome.result().label(), outcome.seconds(), outcome.trainLoss(), outcome.validationLoss());
    }

    @Override
    public void shiftDetected() {
        metrics.shiftDetected();
    }

    @Override
    public void shiftSettled() {
        metrics.shiftSettled();
    }

    @Override
    public void alerted(Alert alert) {
        metrics.alert(alert.severity());
        metrics.incident(alert.severity());
    }

    @Override
    public void folded(Alert alert) {
        metrics.alert(alert.severity());
    }

    @Override
    public void entitiesHeld(String task, long entities) {
        metrics.setContextEntities(task, entities);
    }
}
