/** Offline evaluation: detection-quality metrics and the baselines (PCA, Mahalanobis, Random Cut Forest). */
package dev.vigil.eval;
