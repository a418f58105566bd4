/** Training stage: the rolling window of normal traffic, the retraining schedule, the validation gate and publication. */
package dev.vigil.train;
