package dev.vigil.model;

/** Progress of {@link VaeTrainer#train}: called once per finished epoch on the training thread. */
@FunctionalInterface
public interface TrainingListener {

    /** Losses are mean -ELBO in nats per record (raw units); {@code validationLoss} is NaN without a validation split. */
    void epoch(int epoch, double trainLoss, double validationLoss, double seconds);

    TrainingListener NONE = (epoch, trainLoss, validationLoss, seconds) -> { };
}
