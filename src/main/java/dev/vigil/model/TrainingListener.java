package dev.vigil.model;

/** Progress of {@link VaeTrainer#train}, called on the training thread. */
@FunctionalInterface
public interface TrainingListener {

    /** Losses are mean -ELBO in nats per record (raw units); {@code validationLoss} is NaN without a validation split. */
    void epoch(int epoch, double trainLoss, double validationLoss, double seconds);

    /**
     * After every optimizer step, with how long it took. It may pause the training thread, e.g.
     * to leave the CPU to scoring; the default does nothing.
     */
    default void afterStep(long stepNanos) {
    }

    TrainingListener NONE = (epoch, trainLoss, validationLoss, seconds) -> { };
}
