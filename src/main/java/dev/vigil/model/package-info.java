/** The variational autoencoder: graph, training, batched scoring by negative ELBO, and the versioned bundle. */
package dev.vigil.model;
