package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.score.VaeBatchScorer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The validation gate: what gets promoted, what is rejected (and why), and a failed training. */
class RetrainerTest {

    private static final FeatureSpec SPEC = TrafficGenerator.spec();
    private static final CalibrationSettings CALIBRATION = CalibrationSettings.defaults();
    private static final VaeConfig VAE = VaeConfig.defaults(SPEC).withEpochs(30).withSeed(3);

    private static double[][] window;
    private static ModelBundle current;

    @BeforeAll
    static void trainTheCurrentModel() {
        window = TrafficGenerator.features(SPEC, TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                .withSeed(11).withAnomalyRate(0).withMalformedRate(0), 3_000));
        Retrainer.Outcome first = retrainer(VAE, CALIBRATION, 1.0, 0.05).run(window, null);
        assertThat(first.result()).as(first.reason()).isEqualTo(Retrainer.Result.PROMOTED);
        current = first.bundle();
    }

    private static Retrainer retrainer(VaeConfig vae, CalibrationSettings calibration, double tolerance, double maxAlertRate) {
        return new Retrainer(SPEC, vae, calibration, calibration.alertPolicy(), tolerance, maxAlertRate, 1.0);
    }

    @Test
    void shouldPromoteACandidateAsGoodAsTheCurrentModel() {
        Retrainer.Outcome outcome = retrainer(VAE.withSeed(4), CALIBRATION, 1.0, 0.05).run(window, current);

        assertThat(outcome.result()).as(outcome.reason()).isEqualTo(Retrainer.Result.PROMOTED);
        assertThat(outcome.bundle()).isNotNull();
    }

    private static double[][] normalTraffic(long seed, int records) {
        return TrafficGenerator.features(SPEC, TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                .withSeed(seed).withAnomalyRate(0).withMalformedRate(0), records));
    }

    private static double falseAlarmRate(ModelBundle model, double[][] normal) {
        try (VaeBatchScorer scorer = VaeBatchScorer.open(model, CALIBRATION.alertPolicy())) {
            var scored = scorer.score(normal);
            return (double) java.util.stream.IntStream.range(0, normal.length).filter(scored::anomaly).count() / normal.length;
        }
    }

    @Test
    void shouldCalibrateARetrainedModelOnTheTailAboveTheTrainingMarginSoItKeepsItsTargetRate() {
        // The window as the service fills it: samples of served normal traffic, each with the current model's verdict.
        double[][] served = normalTraffic(12, 40_000);
        List<double[]> rows = new ArrayList<>();
        List<Boolean> trainable = new ArrayList<>();
        try (VaeBatchScorer scorer = VaeBatchScorer.open(current, CALIBRATION.alertPolicy())) {
            var scored = scorer.score(served);
            for (int i = 0; i < served.length; i += 2) {
                if (!scored.anomaly(i)) {
                    rows.add(served[i]);
                    trainable.add(!scored.anomaly(i) && scored.pValue(i) >= 0.01);
                }
            }
        }
        boolean[] mask = new boolean[rows.size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = trainable.get(i);
        }
        double[][] all = rows.toArray(double[][]::new);
        double[][] trainableOnly = java.util.stream.IntStream.range(0, all.length).filter(i -> mask[i]).mapToObj(i -> all[i])
                .toArray(double[][]::new);
        Retrainer retrainer = retrainer(VAE.withSeed(5), CALIBRATION, 1.0, 0.05);

        Retrainer.Outcome withTail = retrainer.run(all, mask, current, true);
        Retrainer.Outcome withoutTail = retrainer.run(trainableOnly, null, current, true);

        double[][] fresh = normalTraffic(13, 50_000);
        double rateWithTail = falseAlarmRate(withTail.bundle(), fresh);
        double rateWithoutTail = falseAlarmRate(withoutTail.bundle(), fresh);
        // Calibrated on trainable rows alone, the threshold sits inside the tail it never saw (measured 0.50% here).
        assertThat(rateWithTail).as("false alarms with the tail (target 0.1%%; without it: %.3f%%)", 100 * rateWithoutTail)
                .isLessThan(rateWithoutTail / 2);
    }

    @Test
    void shouldRejectACandidateWhoseHeldOutElboIsWorseThanTheCurrentModelsByMoreThanTheTolerance() {
        // One epoch instead of thirty: the same data, a much worse fit.
        Retrainer.Outcome outcome = retrainer(VAE.withEpochs(1), CALIBRATION, 0.5, 1.0).run(window, current);

        assertThat(outcome.result()).isEqualTo(Retrainer.Result.REJECTED);
        assertThat(outcome.bundle()).as("a rejected candidate is not handed out").isNull();
        assertThat(outcome.reason()).contains("held-out -ELBO").contains("worse than the current model's");
    }

    @Test
    void shouldRejectACandidateThatWouldFlagMoreRecentRecordsThanTheBound() {
        // Calibrated for a 5% false-alarm rate, it flags about 5% of the recent records: the bound is 1%.
        Retrainer.Outcome outcome = retrainer(VAE, CALIBRATION.withTargetFpr(0.05), 1.0, 0.01).run(window, current);

        assertThat(outcome.result()).isEqualTo(Retrainer.Result.REJECTED);
        assertThat(outcome.reason()).contains("would flag").contains("bound 1.00%");
    }

    @Test
    void shouldStopAPacedTrainingThatIsInterruptedAndSaySoWithoutAFailureTrace() {
        Retrainer paced = new Retrainer(SPEC, VAE, CALIBRATION, CALIBRATION.alertPolicy(), 1.0, 0.05, 0.5);
        Thread.currentThread().interrupt();
        try {
            Retrainer.Outcome outcome = paced.run(window, current);

            assertThat(outcome.result()).isEqualTo(Retrainer.Result.FAILED);
            assertThat(outcome.reason()).isEqualTo("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt stays set for the executor").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void shouldReportAFailedTrainingInsteadOfThrowingSoTheCurrentModelStays() {
        double[][] wrongWidth = {{1, 2, 3}, {4, 5, 6}};

        Retrainer.Outcome outcome = retrainer(VAE, CALIBRATION, 1.0, 0.05).run(wrongWidth, current);

        assertThat(outcome.result()).isEqualTo(Retrainer.Result.FAILED);
        assertThat(outcome.bundle()).isNull();
        assertThat(outcome.reason()).isNotBlank();
    }
}
