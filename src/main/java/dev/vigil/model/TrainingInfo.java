package dev.vigil.model;

import java.time.Instant;
import java.util.List;

/**
 * How a model was trained: record counts, epochs run, the mean loss (-ELBO in nats per record,
 * raw units) of each epoch on the training and validation splits, wall time, seed and creation time.
 */
public record TrainingInfo(
        int records,
        int validationRecords,
        int epochs,
        int bestEpoch,
        List<Double> trainLoss,
        List<Double> validationLoss,
        double seconds,
        long seed,
        Instant createdAt) {

    public TrainingInfo {
        trainLoss = List.copyOf(trainLoss);
        validationLoss = List.copyOf(validationLoss);
    }
}
