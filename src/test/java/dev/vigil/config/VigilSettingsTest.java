package dev.vigil.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.VaeConfig;
import dev.vigil.train.WindowSettings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VigilSettingsTest {

    /** Every key VigilSettings maps, each at a value other than its default. */
    private static final Map<String, String> PIPELINE = Map.ofEntries(
            Map.entry(VigilConfig.INPUT_TOPICS, "in-a,in-b"),
            Map.entry(VigilConfig.INPUT_PATTERN, "in-.*"),
            Map.entry(VigilConfig.SCORES_TOPIC, "s"),
            Map.entry(VigilConfig.SCORES_ENABLED, "false"),
            Map.entry(VigilConfig.ALERTS_TOPIC, "a"),
            Map.entry(VigilConfig.DEAD_LETTER_TOPIC, "d"),
            Map.entry(VigilConfig.MODELS_TOPIC, "m"),
            Map.entry(VigilConfig.TRAINING_TOPIC, "t"),
            Map.entry(VigilConfig.MAX_RECORD_BYTES, "2048"),
            Map.entry(VigilConfig.UNKNOWN_CATEGORY, "missing"),
            Map.entry(VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY, "true"),
            Map.entry(VigilConfig.CONTEXT_ENTITY_TTL_MS, "3600000"),
            Map.entry(VigilConfig.CONTEXT_SILENCE_GAP_FACTOR, "8"),
            Map.entry(VigilConfig.CONTEXT_SWEEP_INTERVAL_MS, "250"),
            Map.entry(VigilConfig.BATCH_MAX_RECORDS, "17"),
            Map.entry(VigilConfig.BATCH_MAX_WAIT_MS, "23"),
            Map.entry(VigilConfig.BATCH_FLUSH_WHEN_DRAINED, "true"),
            Map.entry(VigilConfig.SCORE_THREADS, "3"),
            Map.entry(VigilConfig.TARGET_FPR, "0.01"),
            Map.entry(VigilConfig.MIN_SCORE_MARGIN, "2.5"),
            Map.entry(VigilConfig.MIN_CONTRIBUTING_FEATURES, "2"),
            Map.entry(VigilConfig.COOLDOWN_MS, "7000"),
            Map.entry(VigilConfig.TOP_FEATURES, "5"),
            Map.entry(VigilConfig.DRIFT_ENABLED, "true"),
            Map.entry(VigilConfig.DRIFT_WEIGHT, "0.2"),
            Map.entry(VigilConfig.DRIFT_MAX_GROWTH, "0.75"),
            Map.entry(VigilConfig.DRIFT_UPDATE_RECORDS, "300"),
            Map.entry(VigilConfig.DRIFT_INTERVAL_MS, "5000"),
            Map.entry(VigilConfig.MODEL_KEEP_VERSIONS, "3"),
            Map.entry(VigilConfig.MODEL_MAX_BYTES, "20000"),
            Map.entry(VigilConfig.TRAIN_ENABLED, "false"),
            Map.entry(VigilConfig.TRAIN_SAMPLE_RATE, "0.5"),
            Map.entry(VigilConfig.TRAIN_ADMIT_MIN_PVALUE, "0.05"),
            Map.entry(VigilConfig.TRAIN_WINDOW_MS, "3600000"),
            Map.entry(VigilConfig.TRAIN_RETRAIN_RECORDS, "999"),
            Map.entry(VigilConfig.TRAIN_RETRAIN_INTERVAL_MS, "60000"),
            Map.entry(VigilConfig.TRAIN_RETRAIN_MAX_TIME_SHARE, "0.5"),
            Map.entry(VigilConfig.TRAIN_SHIFT_ALERT_RATE, "0.3"),
            Map.entry(VigilConfig.TRAIN_SHIFT_MIN_DURATION, "120000"),
            Map.entry(VigilConfig.TRAIN_SHIFT_ADMIT_SHARE, "0.6"),
            Map.entry(VigilConfig.TRAIN_GATE_TOLERANCE, "2.0"),
            Map.entry(VigilConfig.TRAIN_GATE_MAX_ALERT_RATE, "0.1"),
            Map.entry(VigilConfig.TRAIN_MIN_RECORDS, "200"),
            Map.entry(VigilConfig.TRAIN_WINDOW_RECORDS, "800"),
            Map.entry(VigilConfig.TRAIN_THREADS, "2"),
            Map.entry(VigilConfig.TRAIN_CPU_SHARE, "0.25"),
            Map.entry(VigilConfig.TRAIN_EPOCHS, "7"),
            Map.entry(VigilConfig.TRAIN_SEED, "99"));

    /** Keys of the running service itself (not the records' path): {@link VigilSettings#runtime} maps them. */
    private static final Set<String> RUNTIME = Set.of(
            VigilConfig.TOPICS_CREATE, VigilConfig.TOPICS_PARTITIONS, VigilConfig.TOPICS_REPLICATION,
            VigilConfig.FEATURE_SPEC, VigilConfig.MODEL_FILE, VigilConfig.STATE_DIR, VigilConfig.HTTP_PORT,
            VigilConfig.HTTP_BIND_ADDRESS, VigilConfig.HTTP_REQUEST_TIMEOUT_MS, VigilConfig.READINESS_BROKER_TIMEOUT_MS,
            VigilConfig.SHUTDOWN_TIMEOUT_MS, VigilConfig.INSTANCE_ID);

    @Test
    void shouldMapEveryPipelineKeyToItsTypedValue() {
        VigilConfig config = VigilConfig.of(PIPELINE);
        Map<String, ?> defaults = VigilConfig.of(Map.of()).values();
        PIPELINE.keySet().forEach(key -> assertThat(config.values().get(key)).as(key + " differs from its default")
                .isNotEqualTo(defaults.get(key)));

        VigilSettings settings = VigilSettings.from(config);

        assertThat(config.unused()).as("keys given but not read").isEmpty();
        assertThat(settings).isEqualTo(new VigilSettings(
                new VigilSettings.Topics(List.of("in-a", "in-b"), "in-.*", "s", false, "a", "d", "m", "t",
                        "vigil-vigil-context-repartition"),
                new VigilSettings.Ingest(2048, 1_048_576, VigilSettings.UnknownCategory.MISSING),
                new VigilSettings.Context(true, Duration.ofHours(1), 8, Duration.ofMillis(250)),
                new VigilSettings.Scoring(17, Duration.ofMillis(23), true, 3),
                new VigilSettings.Alerts(new AlertPolicy(2.5, 2, CalibrationSettings.DEFAULT_FEATURE_P_VALUE_BOUND), 5,
                        Duration.ofSeconds(7)),
                new VigilSettings.Training(false, 0.5, 7, 99, 2, 0.25, 2.0, 0.1,
                        CalibrationSettings.defaults().withTargetFpr(0.01).withDrift(0.2, 0.75),
                        new WindowSettings(800, 3_600_000, 200, 999, Duration.ofMinutes(1), 0.5, 0.05, 0.3,
                                Duration.ofMinutes(2), 0.6, 3, 20_000, 300, Duration.ofSeconds(5)))));
        FeatureSpec spec = new FeatureSpec("host", null, List.of(FeatureSpec.Feature.numeric("cpu")));
        assertThat(settings.training().vae(spec))
                .isEqualTo(VaeConfig.defaults(spec).withEpochs(7).withSeed(99).withThreads(2));
    }

    @Test
    void shouldMapEveryKeyOrLeaveItToTheServiceByName() {
        Set<String> classified = new HashSet<>(PIPELINE.keySet());
        classified.addAll(RUNTIME);
        assertThat(classified).as("a new key: map it in VigilSettings.from (and here), or name it a runtime key")
                .isEqualTo(VigilConfig.DEFINITION.names());
    }

    @Test
    void shouldMapEveryRuntimeKeyToItsTypedValue() {
        VigilConfig config = VigilConfig.of(Map.ofEntries(
                Map.entry(VigilConfig.STATE_DIR, "/var/lib/vigil"),
                Map.entry(VigilConfig.INSTANCE_ID, "vigil-a"),
                Map.entry(VigilConfig.FEATURE_SPEC, "/etc/vigil/spec.json"),
                Map.entry(VigilConfig.MODEL_FILE, "/etc/vigil/model.vglm"),
                Map.entry(VigilConfig.TOPICS_CREATE, "false"),
                Map.entry(VigilConfig.TOPICS_PARTITIONS, "12"),
                Map.entry(VigilConfig.TOPICS_REPLICATION, "3"),
                Map.entry(VigilConfig.HTTP_BIND_ADDRESS, "127.0.0.1"),
                Map.entry(VigilConfig.HTTP_PORT, "9401"),
                Map.entry(VigilConfig.HTTP_REQUEST_TIMEOUT_MS, "2000"),
                Map.entry(VigilConfig.READINESS_BROKER_TIMEOUT_MS, "3000"),
                Map.entry(VigilConfig.SHUTDOWN_TIMEOUT_MS, "4000")));

        assertThat(VigilSettings.runtime(config)).isEqualTo(new VigilSettings.Runtime("/var/lib/vigil", "vigil-a",
                "/etc/vigil/spec.json", "/etc/vigil/model.vglm", false, 12, (short) 3, "127.0.0.1", 9401,
                Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4)));
        assertThat(config.values().keySet()).containsAll(RUNTIME);
    }

    @Test
    void shouldNameTheContextRepartitionTopicAfterTheApplicationId() {
        VigilConfig config = VigilConfig.of(Map.of("kafka.application.id", "fleet"));
        assertThat(VigilSettings.from(config).topics().contextRepartition()).isEqualTo("fleet-vigil-context-repartition");
        assertThat(VigilSettings.defaults().topics().contextRepartition()).isEqualTo("vigil-vigil-context-repartition");
    }

    @Test
    void shouldMatchTheDefaultsOfTheTypedValues() {
        VigilSettings settings = VigilSettings.defaults();
        FeatureSpec spec = new FeatureSpec("host", null, List.of(FeatureSpec.Feature.numeric("cpu")));
        assertThat(settings.training().calibration()).isEqualTo(CalibrationSettings.defaults());
        assertThat(settings.training().vae(spec)).isEqualTo(VaeConfig.defaults(spec));
        assertThat(settings.alerts().policy()).isEqualTo(CalibrationSettings.defaults().alertPolicy());
        assertThat(settings.topics().inputPattern()).isNull();
        assertThat(settings.ingest().unknownCategory()).isEqualTo(VigilSettings.UnknownCategory.DEAD_LETTER);
        assertThat(settings.context()).isEqualTo(new VigilSettings.Context(false, Duration.ofDays(7), 5, Duration.ofSeconds(5)));
    }

    // Values each key's own range lets through that the typed value refuses: one ConfigException naming the key.
    @ParameterizedTest
    @CsvSource({
            "vigil.alert.target.fpr,       0.5",
            "vigil.alert.target.fpr,       NaN",
            "vigil.alert.min.score.margin, Infinity",
    })
    void shouldRefuseAValueItsTypedSettingCannotHoldNamingTheKey(String key, String value) {
        VigilConfig config = VigilConfig.of(Map.of(key, value));
        assertThatThrownBy(() -> VigilSettings.from(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining(key);
    }
}
