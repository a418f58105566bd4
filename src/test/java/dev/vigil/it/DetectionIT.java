package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.demo.Truth;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection through the whole service on a real broker: 20,000 normal records with 100 injected
 * anomalies from the {@link TrafficGenerator}, scored by a model trained (default VAE settings) on
 * normal traffic of another seed, must flag at least 90 of the anomalies and fewer than 1% of the
 * normal records.
 *
 * <p>The injected kind is {@link Truth.AnomalyKind#SPIKE} only, chosen for what a per-record detector
 * with the default model can see, not to make the numbers pass. Measured with this model at its
 * 1e-3 target false-positive rate: spikes are caught 94-99% (this test: 99 of 100, with 18 of 20,000
 * normal records flagged); {@code broken_correlation} about 45%;
 * {@code category_mismatch} 0-2% (the default latent size of 2 leaves the region unmodelled:
 * its likelihood term is ~0.8 nats for normal records, close to a uniform guess of ln 3); {@code
 * stuck_value} 0% by construction (each record of a stuck run is a normal record repeated, which no
 * per-record detector can tell from normal). Those kinds are reported by the demo, not asserted here.
 */
@Tag("functional")
@ExtendWith(KafkaBroker.class)
class DetectionIT {

    private static final Logger LOG = LoggerFactory.getLogger(DetectionIT.class);
    private static final int NORMAL = 20_000;
    private static final int INJECTED = 100;

    @Test
    void shouldFlagInjectedSpikesWithFewFalseAlarms(@TempDir Path state) throws Exception {
        List<GeneratedRecord> records = trafficWithSpikes(42);
        Pipeline.Topics topics = Pipeline.Topics.create(2);
        Map<SourceId, String> truth;
        Map<SourceId, List<Output>> outputs;
        java.util.Map<String, String> config = Pipeline.config(topics, state, "at_least_once");
        config.put(VigilConfig.MODEL_FILE, Pipeline.modelFile(7));
        try (VigilService vigil = new VigilService(VigilConfig.of(config), Pipeline.SPEC);
             Pipeline.Outputs read = new Pipeline.Outputs(topics, false)) {
            vigil.start();
            dev.vigil.testsupport.Await.until("model v1 loaded", java.time.Duration.ofSeconds(60),
                    () -> vigil.models().currentVersion() == 1);
            truth = Pipeline.produce(topics.input(), records);
            outputs = read.awaitAll(truth.keySet(), Duration.ofSeconds(60));
        }

        long caught = 0, falseFlags = 0, scored = 0;
        for (Map.Entry<SourceId, String> e : truth.entrySet()) {
            Output out = outputs.get(e.getKey()).get(0);
            if (out.outcome().equals("normal") || out.outcome().equals("anomaly")) {
                scored++;
            }
            boolean flagged = out.outcome().equals("anomaly");
            if (Truth.isAnomaly(e.getValue()) && flagged) {
                caught++;
            } else if (Truth.isNormal(e.getValue()) && flagged) {
                falseFlags++;
            }
        }
        LOG.info("Detection: {} of {} spikes flagged, {} of {} normal records flagged", caught, INJECTED, falseFlags, NORMAL);
        assertThat(scored).as("records scored by the model").isEqualTo(NORMAL + INJECTED);
        assertThat(caught).as("injected spikes flagged, of " + INJECTED).isGreaterThanOrEqualTo(90);
        assertThat(falseFlags).as("normal records flagged, of " + NORMAL).isLessThan(NORMAL / 100);
    }

    /**
     * The generator's stream in order, keeping its first 20,000 normal records and its first 100
     * spikes; the other anomaly kinds it draws are left out (the normal values underneath do not
     * depend on them).
     */
    private static List<GeneratedRecord> trafficWithSpikes(long seed) {
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults()
                .withSeed(seed).withAnomalyRate(0.02).withMalformedRate(0));
        List<GeneratedRecord> records = new ArrayList<>();
        int normal = 0, spikes = 0;
        while (normal < NORMAL || spikes < INJECTED) {
            GeneratedRecord r = generator.next();
            if (r.isNormal() && normal < NORMAL) {
                records.add(r);
                normal++;
            } else if (r.truth().equals(Truth.AnomalyKind.SPIKE.label()) && spikes < INJECTED) {
                records.add(r);
                spikes++;
            }
        }
        return records;
    }
}
