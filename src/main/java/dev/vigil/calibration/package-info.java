/** Calibration of scores: thresholds for a target false-positive rate, peaks-over-threshold tail fits, p-values and severity. */
package dev.vigil.calibration;
