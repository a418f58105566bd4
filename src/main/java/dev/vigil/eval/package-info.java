/** Offline evaluation: detection-quality metrics and the baselines (PCA, Mahalanobis, Random Cut Forest, Isolation Forest). */
package dev.vigil.eval;
