/** Scoring stage: the micro-batching processor and the decision (normal, anomaly, unscored) for each record. */
package dev.vigil.score;
