/**
 * The variational autoencoder: {@link dev.vigil.model.VaeTrainer} trains it (TensorFlow Java graph
 * mode, in its own graph and session), {@link dev.vigil.model.VaeScorer} serves it (one session
 * call per batch, -ELBO in nats of the raw record split into KL plus one term per feature), and
 * {@link dev.vigil.model.ModelBundle} is the versioned, checksummed, pure-Java form that is saved,
 * loaded and sent over Kafka.
 */
package dev.vigil.model;
