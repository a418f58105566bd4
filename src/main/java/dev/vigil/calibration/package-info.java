/**
 * Calibration of scores: thresholds for a target false-positive rate, peaks-over-threshold tail
 * fits, p-values and severity. Pure Java, no Kafka or TensorFlow: it sees scores as doubles.
 *
 * <ul>
 *   <li>{@link dev.vigil.calibration.Calibration}: fitted from held-out normal scores (and
 *       optionally per-feature terms); threshold, p-values, severity, decisions, drift updates,
 *       JSON bytes for the model bundle.</li>
 *   <li>{@link dev.vigil.calibration.ScoreDistribution}: quantile sketch plus generalized Pareto
 *       tail of one quantity; where the empirical and the extreme-value parts meet.</li>
 *   <li>{@link dev.vigil.calibration.GeneralizedPareto}: the tail distribution and its fit.</li>
 *   <li>{@link dev.vigil.calibration.CalibrationSettings}, {@link dev.vigil.calibration.AlertPolicy},
 *       {@link dev.vigil.calibration.Decision}, {@link dev.vigil.calibration.Severity}: the
 *       sensitivity knobs, the rule that applies them, its result, and the severity bands.</li>
 * </ul>
 *
 * <p>Typical use: {@code Calibration c = Calibration.fit(heldOutScores, heldOutTerms, settings);}
 * store {@code c.toBytes()} in the bundle; per record {@code Decision d = c.decide(score, terms);}
 * and report {@code d.pValue()}, {@code d.severity()}, {@code d.anomalyFlag()} and
 * {@code d.calibrationVersion()}.
 */
package dev.vigil.calibration;
