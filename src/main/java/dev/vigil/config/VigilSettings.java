package dev.vigil.config;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.RecordParser;
import dev.vigil.model.VaeConfig;
import dev.vigil.train.WindowSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigException;

/**
 * The pipeline's configuration as typed values, built once from a {@link VigilConfig} by
 * {@link #from}: the topology, the demo, the bench and the offline commands take this object and
 * never read a key themselves, so each key is mapped in one place. Immutable.
 *
 * <p>Covers what shapes the records' path (topics, ingest, context, scoring, alerting, training).
 * The service's runtime keys (state directory, HTTP, readiness, shutdown, topic creation, the
 * feature spec and bootstrap model files) and the {@code kafka.*} passthrough stay on
 * {@link VigilConfig}; of the latter only the application id is read here, to name the context's
 * repartition topic.
 *
 * @param topics   topic names ({@code vigil.*.topic}, {@code vigil.input.*})
 * @param ingest   parsing limits ({@code vigil.ingest.*})
 * @param context  per-entity context and silence ({@code vigil.context.*}), used with a spec that has a context block
 * @param scoring  micro-batching and the live model's session ({@code vigil.score.*})
 * @param alerts   the decision rule and incidents ({@code vigil.alert.*} but calibration and drift)
 * @param training sampling, the rolling window, the model and its calibration ({@code vigil.train.*},
 *                 {@code vigil.model.*}, {@code vigil.alert.target.fpr}, {@code vigil.alert.drift.*})
 */
public record VigilSettings(Topics topics, Ingest ingest, Context context, Scoring scoring, Alerts alerts,
                            Training training) {

    public VigilSettings {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(scoring, "scoring");
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(training, "training");
    }

    /**
     * The topics the topology reads and writes.
     *
     * @param input              input topics; ignored when {@code inputPattern} is set
     * @param inputPattern       a Java regular expression naming the input topics, or null
     * @param contextRepartition the topic that brings an entity's parsed records to one task, named after the
     *                           application id like Kafka Streams' internal topics
     */
    public record Topics(List<String> input, String inputPattern, String scores, boolean scoresEnabled, String alerts,
                         String deadLetters, String models, String training, String contextRepartition) {
        public Topics {
            input = List.copyOf(input);
        }
    }

    /** What to do with a category the feature spec does not list ({@code vigil.ingest.unknown.category}). */
    public enum UnknownCategory {
        DEAD_LETTER, MISSING
    }

    /**
     * Limits of parsing an input record and of what is sent for it.
     *
     * @param maxSendBytes the largest record Kafka Streams' producer sends ({@code max.request.size}):
     *                     dead letters and alerts are sized against it, since a refused send would stop the stream thread
     */
    public record Ingest(int maxRecordBytes, int maxSendBytes, UnknownCategory unknownCategory) {

        /** The parser of input records for {@code spec} under these limits. */
        public RecordParser parser(FeatureSpec spec) {
            return new RecordParser(spec, maxRecordBytes, unknownCategory == UnknownCategory.MISSING);
        }
    }

    /**
     * Per-entity context and silence, for a feature spec with a context block.
     *
     * @param inputKeyedByEntity the input keeps each entity on one partition: no repartition needed
     * @param entityTtl          an entity not seen for this long (event time) is forgotten
     * @param silenceGapFactor   an entity with a rhythm is silent after this many usual gaps without a record
     */
    public record Context(boolean inputKeyedByEntity, Duration entityTtl, double silenceGapFactor, Duration sweepInterval) {
    }

    /**
     * Micro-batching and the live model's session.
     *
     * @param threads TensorFlow threads of the live model's scoring session (training has its own)
     */
    public record Scoring(int batchMaxRecords, Duration batchMaxWait, boolean flushWhenDrained, int threads) {
    }

    /**
     * What turns a score into an alert, and an alert into an incident.
     *
     * @param policy      the decision rule of the live model (margin and contributing features)
     * @param topFeatures contributing features named in an alert
     * @param cooldown    anomalies of one entity closer than this in event time are one incident
     */
    public record Alerts(AlertPolicy policy, int topFeatures, Duration cooldown) {
    }

    /**
     * How models are trained, offline or on the rolling window, and when they are promoted.
     *
     * @param enabled     whether the topology samples, keeps the window and retrains
     * @param epochs      the VAE's maximum epochs
     * @param seed        the VAE's seed (training and fixed scoring noise)
     * @param threads     TensorFlow threads of training
     * @param calibration how a trained model is calibrated: the target rate and drift following
     */
    public record Training(boolean enabled, double sampleRate, int epochs, long seed, int threads, double cpuShare,
                           double gateTolerance, double gateMaxAlertRate, CalibrationSettings calibration,
                           WindowSettings window) {

        /** The VAE to train for {@code spec}: its defaults, with this configuration's epochs, seed and threads. */
        public VaeConfig vae(FeatureSpec spec) {
            return VaeConfig.defaults(spec).withEpochs(epochs).withSeed(seed).withThreads(threads);
        }
    }

    /** The settings of the configuration defaults (no file, no environment). */
    public static VigilSettings defaults() {
        return from(VigilConfig.of(Map.of()));
    }

    /**
     * Maps every pipeline key of {@code config} to its typed value. The ConfigDef has checked each
     * key alone; a combination a typed value refuses is a {@link ConfigException} naming the keys.
     */
    public static VigilSettings from(VigilConfig config) {
        Topics topics = new Topics(config.inputTopics(), config.getString(VigilConfig.INPUT_PATTERN),
                config.getString(VigilConfig.SCORES_TOPIC), config.getBoolean(VigilConfig.SCORES_ENABLED),
                config.getString(VigilConfig.ALERTS_TOPIC), config.getString(VigilConfig.DEAD_LETTER_TOPIC),
                config.getString(VigilConfig.MODELS_TOPIC), config.getString(VigilConfig.TRAINING_TOPIC),
                config.applicationId() + "-vigil-context-repartition");
        Ingest ingest = new Ingest(config.getInt(VigilConfig.MAX_RECORD_BYTES), config.producerMaxRequestSize(),
                VigilConfig.UNKNOWN_CATEGORY_MISSING.equals(config.getString(VigilConfig.UNKNOWN_CATEGORY))
                        ? UnknownCategory.MISSING : UnknownCategory.DEAD_LETTER);
        Context context = new Context(config.getBoolean(VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY),
                millis(config, VigilConfig.CONTEXT_ENTITY_TTL_MS), config.getDouble(VigilConfig.CONTEXT_SILENCE_GAP_FACTOR),
                millis(config, VigilConfig.CONTEXT_SWEEP_INTERVAL_MS));
        Scoring scoring = new Scoring(config.getInt(VigilConfig.BATCH_MAX_RECORDS),
                millis(config, VigilConfig.BATCH_MAX_WAIT_MS), config.getBoolean(VigilConfig.BATCH_FLUSH_WHEN_DRAINED),
                config.getInt(VigilConfig.SCORE_THREADS));
        AlertPolicy policy = typed(() -> new AlertPolicy(config.getDouble(VigilConfig.MIN_SCORE_MARGIN),
                        config.getInt(VigilConfig.MIN_CONTRIBUTING_FEATURES), CalibrationSettings.DEFAULT_FEATURE_P_VALUE_BOUND),
                VigilConfig.MIN_SCORE_MARGIN, VigilConfig.MIN_CONTRIBUTING_FEATURES);
        Alerts alerts = new Alerts(policy, config.getInt(VigilConfig.TOP_FEATURES), millis(config, VigilConfig.COOLDOWN_MS));
        CalibrationSettings calibration = typed(() -> {
            CalibrationSettings c = CalibrationSettings.defaults().withTargetFpr(config.getDouble(VigilConfig.TARGET_FPR));
            return config.getBoolean(VigilConfig.DRIFT_ENABLED)
                    ? c.withDrift(config.getDouble(VigilConfig.DRIFT_WEIGHT), config.getDouble(VigilConfig.DRIFT_MAX_GROWTH))
                    : c;
        }, VigilConfig.TARGET_FPR, VigilConfig.DRIFT_WEIGHT, VigilConfig.DRIFT_MAX_GROWTH);
        WindowSettings window = new WindowSettings(
                config.getInt(VigilConfig.TRAIN_WINDOW_RECORDS),
                config.getLong(VigilConfig.TRAIN_WINDOW_MS),
                config.getInt(VigilConfig.TRAIN_MIN_RECORDS),
                config.getInt(VigilConfig.TRAIN_RETRAIN_RECORDS),
                millis(config, VigilConfig.TRAIN_RETRAIN_INTERVAL_MS),
                config.getDouble(VigilConfig.TRAIN_RETRAIN_MAX_TIME_SHARE),
                config.getDouble(VigilConfig.TRAIN_ADMIT_MIN_PVALUE),
                config.getDouble(VigilConfig.TRAIN_SHIFT_ALERT_RATE),
                millis(config, VigilConfig.TRAIN_SHIFT_MIN_DURATION),
                config.getDouble(VigilConfig.TRAIN_SHIFT_ADMIT_SHARE),
                config.getInt(VigilConfig.MODEL_KEEP_VERSIONS),
                config.getInt(VigilConfig.MODEL_MAX_BYTES),
                config.getInt(VigilConfig.DRIFT_UPDATE_RECORDS),
                millis(config, VigilConfig.DRIFT_INTERVAL_MS));
        Training training = new Training(config.getBoolean(VigilConfig.TRAIN_ENABLED),
                config.getDouble(VigilConfig.TRAIN_SAMPLE_RATE), config.getInt(VigilConfig.TRAIN_EPOCHS),
                config.getLong(VigilConfig.TRAIN_SEED), config.getInt(VigilConfig.TRAIN_THREADS),
                config.getDouble(VigilConfig.TRAIN_CPU_SHARE), config.getDouble(VigilConfig.TRAIN_GATE_TOLERANCE),
                config.getDouble(VigilConfig.TRAIN_GATE_MAX_ALERT_RATE), calibration, window);
        return new VigilSettings(topics, ingest, context, scoring, alerts, training);
    }

    /**
     * What the running service itself needs, beside the records' path: where state lives, the
     * group membership, the files it loads, the topics it creates, HTTP and shutdown.
     *
     * @param instanceId      {@code vigil.instance.id}, null for dynamic group membership
     * @param featureSpec     the spec file, null when unset
     * @param modelFile       a bootstrap model bundle, null when unset
     * @param httpBindAddress null to listen on every interface
     */
    public record Runtime(String stateDir, String instanceId, String featureSpec, String modelFile, boolean topicsCreate,
                          int topicsPartitions, short topicsReplication, String httpBindAddress, int httpPort,
                          Duration httpRequestTimeout, Duration readinessBrokerTimeout, Duration shutdownTimeout) {
    }

    /** The runtime settings of {@code config}; with {@link #from}, the one place configuration is read. */
    public static Runtime runtime(VigilConfig config) {
        return new Runtime(config.getString(VigilConfig.STATE_DIR), config.getString(VigilConfig.INSTANCE_ID),
                config.getString(VigilConfig.FEATURE_SPEC), config.getString(VigilConfig.MODEL_FILE),
                config.getBoolean(VigilConfig.TOPICS_CREATE), config.getInt(VigilConfig.TOPICS_PARTITIONS),
                config.getShort(VigilConfig.TOPICS_REPLICATION), config.getString(VigilConfig.HTTP_BIND_ADDRESS),
                config.getInt(VigilConfig.HTTP_PORT), millis(config, VigilConfig.HTTP_REQUEST_TIMEOUT_MS),
                millis(config, VigilConfig.READINESS_BROKER_TIMEOUT_MS), millis(config, VigilConfig.SHUTDOWN_TIMEOUT_MS));
    }

    private static Duration millis(VigilConfig config, String key) {
        return Duration.ofMillis(config.getLong(key));
    }

    /** A value the ConfigDef's per-key ranges let through but its own constructor refuses (NaN, infinity, 0.5) is a config error. */
    private static <T> T typed(Supplier<T> build, String... keys) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(String.join(", ", keys) + ": " + e.getMessage());
        }
    }
}
