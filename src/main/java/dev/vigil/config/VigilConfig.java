package dev.vigil.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.LambdaValidator;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vigil's typed configuration: every {@code vigil.*} key is defined once in {@link #DEFINITION}
 * with a doc string, type, default and validator; the README's table is generated from it.
 * Keys starting with {@code kafka.} are passed through, without the prefix, to the Kafka
 * clients and Kafka Streams. Environment variables {@code VIGIL_FOO_BAR} and
 * {@code KAFKA_FOO_BAR} override {@code vigil.foo.bar} and {@code kafka.foo.bar}.
 */
public final class VigilConfig extends AbstractConfig {

    public static final String KAFKA_PREFIX = "kafka.";

    /** Kafka's default {@code max.request.size}, which Vigil's producer keeps unless {@code kafka.producer.max.request.size} is set. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1 << 20;
    /**
     * What a scored record's outputs may need beyond its key and value: its buffer entry's entity and
     * features, an alert's fields around the embedded value. {@link #MAX_RECORD_BYTES} plus this must
     * fit the producer's {@code max.request.size}.
     */
    public static final int OUTPUT_HEADROOM_BYTES = 64 << 10;
    public static final String VIGIL_PREFIX = "vigil.";
    /** Kafka Streams' application id unless {@code kafka.application.id} says otherwise: the consumer group and internal-topic prefix. */
    public static final String DEFAULT_APPLICATION_ID = "vigil";

    // Topics
    public static final String INPUT_TOPICS = "vigil.input.topics";
    public static final String INPUT_PATTERN = "vigil.input.pattern";
    public static final String SCORES_TOPIC = "vigil.scores.topic";
    public static final String SCORES_ENABLED = "vigil.scores.enabled";
    public static final String ALERTS_TOPIC = "vigil.alerts.topic";
    public static final String DEAD_LETTER_TOPIC = "vigil.dead.letter.topic";
    public static final String MODELS_TOPIC = "vigil.models.topic";
    public static final String TRAINING_TOPIC = "vigil.training.topic";
    public static final String TOPICS_CREATE = "vigil.topics.create";
    public static final String TOPICS_PARTITIONS = "vigil.topics.partitions";
    public static final String TOPICS_REPLICATION = "vigil.topics.replication.factor";

    // Ingest
    public static final String FEATURE_SPEC = "vigil.feature.spec";
    public static final String MAX_RECORD_BYTES = "vigil.ingest.max.record.bytes";
    public static final String UNKNOWN_CATEGORY = "vigil.ingest.unknown.category";

    // Context
    public static final String CONTEXT_INPUT_KEYED_BY_ENTITY = "vigil.context.input.keyed.by.entity";
    public static final String CONTEXT_ENTITY_TTL_MS = "vigil.context.entity.ttl.ms";
    public static final String CONTEXT_SILENCE_GAP_FACTOR = "vigil.context.silence.gap.factor";
    public static final String CONTEXT_SWEEP_INTERVAL_MS = "vigil.context.sweep.interval.ms";

    // Scoring
    public static final String BATCH_MAX_RECORDS = "vigil.score.batch.max.records";
    public static final String BATCH_MAX_WAIT_MS = "vigil.score.batch.max.wait.ms";
    public static final String BATCH_FLUSH_WHEN_DRAINED = "vigil.score.batch.flush.when.drained";
    public static final String SCORE_THREADS = "vigil.score.threads";

    // Decisions and alerts
    public static final String TARGET_FPR = "vigil.alert.target.fpr";
    public static final String MIN_SCORE_MARGIN = "vigil.alert.min.score.margin";
    public static final String MIN_CONTRIBUTING_FEATURES = "vigil.alert.min.contributing.features";
    public static final String COOLDOWN_MS = "vigil.alert.cooldown.ms";
    public static final String TOP_FEATURES = "vigil.alert.top.features";
    public static final String DRIFT_ENABLED = "vigil.alert.drift.enabled";
    public static final String DRIFT_WEIGHT = "vigil.alert.drift.weight";
    public static final String DRIFT_MAX_GROWTH = "vigil.alert.drift.max.growth";
    public static final String DRIFT_UPDATE_RECORDS = "vigil.alert.drift.update.records";
    public static final String DRIFT_INTERVAL_MS = "vigil.alert.drift.interval.ms";

    // Model and training
    public static final String MODEL_FILE = "vigil.model.file";
    public static final String MODEL_KEEP_VERSIONS = "vigil.model.keep.versions";
    public static final String MODEL_MAX_BYTES = "vigil.model.max.bytes";
    public static final String TRAIN_ENABLED = "vigil.train.enabled";
    public static final String TRAIN_SAMPLE_RATE = "vigil.train.sample.rate";
    public static final String TRAIN_ADMIT_MIN_PVALUE = "vigil.train.admit.min.pvalue";
    public static final String TRAIN_WINDOW_MS = "vigil.train.window.ms";
    public static final String TRAIN_RETRAIN_RECORDS = "vigil.train.retrain.records";
    public static final String TRAIN_RETRAIN_INTERVAL_MS = "vigil.train.retrain.interval.ms";
    public static final String TRAIN_RETRAIN_MAX_TIME_SHARE = "vigil.train.retrain.max.time.share";
    public static final String TRAIN_SHIFT_ALERT_RATE = "vigil.train.shift.alert.rate";
    public static final String TRAIN_SHIFT_MIN_DURATION = "vigil.train.shift.min.duration";
    public static final String TRAIN_SHIFT_ADMIT_SHARE = "vigil.train.shift.admit.share";
    public static final String TRAIN_GATE_TOLERANCE = "vigil.train.gate.tolerance";
    public static final String TRAIN_GATE_MAX_ALERT_RATE = "vigil.train.gate.max.alert.rate";
    public static final String TRAIN_MIN_RECORDS = "vigil.train.min.records";
    public static final String TRAIN_WINDOW_RECORDS = "vigil.train.window.records";
    public static final String TRAIN_THREADS = "vigil.train.threads";
    public static final String TRAIN_CPU_SHARE = "vigil.train.cpu.share";
    public static final String TRAIN_EPOCHS = "vigil.train.epochs";
    public static final String TRAIN_SEED = "vigil.train.seed";

    // Runtime
    public static final String STATE_DIR = "vigil.state.dir";
    public static final String INSTANCE_ID = "vigil.instance.id";
    public static final String HTTP_PORT = "vigil.http.port";
    public static final String HTTP_BIND_ADDRESS = "vigil.http.bind.address";
    public static final String HTTP_REQUEST_TIMEOUT_MS = "vigil.http.request.timeout.ms";
    public static final String READINESS_BROKER_TIMEOUT_MS = "vigil.readiness.broker.timeout.ms";
    public static final String SHUTDOWN_TIMEOUT_MS = "vigil.shutdown.timeout.ms";

    public static final String UNKNOWN_CATEGORY_DEAD_LETTER = "dead_letter";
    public static final String UNKNOWN_CATEGORY_MISSING = "missing";

    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final String TOPIC_RULE = "1 to 249 of a-z A-Z 0-9 . _ - (not . or ..)";
    private static final ConfigDef.Validator TOPIC_NAME = LambdaValidator.with((name, value) -> {
        if (!isLegalTopic((String) value)) {
            throw new ConfigException(name, value, "not a Kafka topic name: " + TOPIC_RULE);
        }
    }, () -> "a Kafka topic name: " + TOPIC_RULE);
    private static final ConfigDef.Validator TOPIC_NAMES = LambdaValidator.with(VigilConfig::ensureTopicNames,
            () -> "distinct Kafka topic names (at least one), each " + TOPIC_RULE);
    /** Unset (null) is fine; empty is not: Path.of("") would name the working directory. */
    private static final ConfigDef.Validator OPTIONAL_PATH = LambdaValidator.with((name, value) -> {
        if (value != null && ((String) value).isBlank()) {
            throw new ConfigException(name, value, "must be a file path, or unset");
        }
    }, () -> "a file path, or unset");
    /** Unset (null) means every interface; empty would mean the same by accident. */
    private static final ConfigDef.Validator OPTIONAL_HOST = LambdaValidator.with((name, value) -> {
        if (value != null && ((String) value).isBlank()) {
            throw new ConfigException(name, value, "must be a host name or IP address, or unset");
        }
    }, () -> "a host name or IP address, or unset (every interface)");
    private static final ConfigDef.Validator TRUE_OR_FALSE = typeOnly("true or false");
    /** The broker's rule for group instance ids, less room for the "-N" Kafka Streams appends per stream thread. */
    private static final Pattern LEGAL_INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._-]{1,240}");
    private static final ConfigDef.Validator OPTIONAL_INSTANCE_ID = LambdaValidator.with((name, value) -> {
        if (value != null && !LEGAL_INSTANCE_ID.matcher((String) value).matches()) {
            throw new ConfigException(name, value, "must be 1 to 240 of a-z A-Z 0-9 . _ -, or unset");
        }
    }, () -> "1 to 240 of a-z A-Z 0-9 . _ -, or unset (dynamic membership)");

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(INPUT_TOPICS, Type.LIST, List.of("vigil-input"), TOPIC_NAMES, Importance.HIGH,
                    "Topics to score, comma separated. Ignored when " + INPUT_PATTERN + " is set.")
            .define(INPUT_PATTERN, Type.STRING, null, new RegexValidator(), Importance.MEDIUM,
                    "A Java regular expression: score every topic whose name matches it (instead of " + INPUT_TOPICS + ").")
            .define(SCORES_TOPIC, Type.STRING, "vigil-scores", TOPIC_NAME, Importance.HIGH,
                    "Topic that receives one score record for every input record.")
            .define(SCORES_ENABLED, Type.BOOLEAN, true, TRUE_OR_FALSE, Importance.MEDIUM,
                    "Whether to write the scores topic. Alerts and dead letters are written either way.")
            .define(ALERTS_TOPIC, Type.STRING, "vigil-alerts", TOPIC_NAME, Importance.HIGH,
                    "Topic that receives one alert per incident, keyed by entity.")
            .define(DEAD_LETTER_TOPIC, Type.STRING, "vigil-dead-letters", TOPIC_NAME, Importance.HIGH,
                    "Topic that receives every input record that cannot be scored, with its original bytes (a prefix, the size and a SHA-256 when too large to send) and vigil.error.* headers.")
            .define(MODELS_TOPIC, Type.STRING, "vigil-models", TOPIC_NAME, Importance.MEDIUM,
                    "Compacted topic of model bundles keyed by version; the newest version is the current model.")
            .define(TRAINING_TOPIC, Type.STRING, "vigil-training-sample", TOPIC_NAME, Importance.LOW,
                    "Single-partition topic of records sampled for the rolling training window.")
            .define(TOPICS_CREATE, Type.BOOLEAN, true, TRUE_OR_FALSE, Importance.MEDIUM,
                    "Create missing topics at start through the Admin client (the models topic compacted).")
            .define(TOPICS_PARTITIONS, Type.INT, 1, Range.atLeast(1), Importance.LOW,
                    "Partitions of topics Vigil creates (input, scores, alerts, dead letters).")
            .define(TOPICS_REPLICATION, Type.SHORT, (short) 1, Range.atLeast(1), Importance.LOW,
                    "Replication factor of topics Vigil creates.")
            .define(FEATURE_SPEC, Type.STRING, null, OPTIONAL_PATH, Importance.HIGH,
                    "Path of the feature spec (JSON): entity key, timestamp and feature fields. Required by `vigil run`.")
            .define(MAX_RECORD_BYTES, Type.INT, DEFAULT_MAX_REQUEST_SIZE - OUTPUT_HEADROOM_BYTES, Range.between(64, 64 << 20), Importance.LOW,
                    "Input records whose key and value together are larger than this many bytes are dead-lettered "
                            + "(a dead letter that does not fit the producer's max.request.size carries a prefix, the size and a SHA-256). "
                            + "At most the producer's max.request.size minus " + OUTPUT_HEADROOM_BYTES + " (room for an alert around the record): "
                            + "raise kafka.producer.max.request.size with it.")
            .define(UNKNOWN_CATEGORY, Type.STRING, UNKNOWN_CATEGORY_DEAD_LETTER,
                    ValidString.in(UNKNOWN_CATEGORY_DEAD_LETTER, UNKNOWN_CATEGORY_MISSING), Importance.LOW,
                    "What to do with a category the spec does not list: dead_letter the record, or treat the value as missing (only for optional features).")
            .define(CONTEXT_INPUT_KEYED_BY_ENTITY, Type.BOOLEAN, false, TRUE_OR_FALSE, Importance.LOW,
                    "With a feature spec that has a context block and an entity key: true promises that every record of an entity "
                    + "is on one input partition (producers key by the entity), so Vigil keeps its context where it reads it. "
                    + "False repartitions the parsed records by entity through the topic `<application.id>-vigil-context-repartition` first.")
            .define(CONTEXT_ENTITY_TTL_MS, Type.LONG, 7 * 24 * 3_600_000L, Range.atLeast(60_000), Importance.LOW,
                    "The context of an entity that sent nothing for this long, in the event time of its partition, is dropped "
                    + "(a silence alert still open for it is resolved as expired): it bounds the state of entities that are gone.")
            .define(CONTEXT_SILENCE_GAP_FACTOR, Type.DOUBLE, 5.0, Range.between(2.0, 10_000.0), Importance.MEDIUM,
                    "An entity that reported at a steady rhythm and then sends nothing for longer than this many of its usual "
                    + "gaps (in the event time of its partition) gets one alert of kind silent, resolved when it reports again.")
            .define(CONTEXT_SWEEP_INTERVAL_MS, Type.LONG, 5_000L, Range.between(10L, 3_600_000L), Importance.LOW,
                    "How often, in the event time of the input, the context looks for silent entities and expired ones: a silence "
                    + "is alerted up to this long after it began. Each look reads every entity the task holds.")
            .define(BATCH_MAX_RECORDS, Type.INT, 256, Range.between(1, 65536), Importance.MEDIUM,
                    "Score a micro-batch when it holds this many records.")
            .define(BATCH_MAX_WAIT_MS, Type.LONG, 2L, Range.between(1, 60_000), Importance.MEDIUM,
                    "Score a micro-batch when its oldest record has waited this long (wall clock), or sooner when the input is drained (see vigil.score.batch.flush.when.drained). "
                    + "A TensorFlow call costs about 0.2 ms plus 3-4 us a record, so a longer wait saves CPU below a few thousand records/s and adds its own length to the p99; under load batches fill by vigil.score.batch.max.records first.")
            .define(BATCH_FLUSH_WHEN_DRAINED, Type.BOOLEAN, false, TRUE_OR_FALSE, Importance.LOW,
                    "Score a partial micro-batch as soon as the input is drained (no record since the last look, every millisecond) instead of waiting for vigil.score.batch.max.wait.ms. Measured with a 5 ms wait: p99 about 5 ms lower at 1k records/s, but 4-6 ms higher at 10k/s and above (smaller batches); with the 2 ms wait, one run showed no gain. Off by default. Set kafka.poll.ms=1 with it: punctuations run only between polls.")
            .define(SCORE_THREADS, Type.INT, 1, Range.between(1, 64), Importance.LOW,
                    "TensorFlow intra- and inter-op threads of the live model's scoring session (training uses vigil.train.threads).")
            .define(TARGET_FPR, Type.DOUBLE, 1e-3, Range.between(1e-9, 0.5), Importance.HIGH,
                    "Target false-positive rate: the threshold is calibrated so that about this share of normal records is flagged.")
            .define(MIN_SCORE_MARGIN, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
                    "Extra nats above the calibrated threshold a score must reach to be an anomaly.")
            .define(MIN_CONTRIBUTING_FEATURES, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                    "An anomaly must have at least this many features with an unusual reconstruction term (0 = off).")
            .define(COOLDOWN_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                    "Anomalies of one entity closer than this in event time belong to one incident and page once.")
            .define(TOP_FEATURES, Type.INT, 3, Range.between(1, 50), Importance.LOW,
                    "Number of contributing features named in an alert.")
            .define(DRIFT_ENABLED, Type.BOOLEAN, false, TRUE_OR_FALSE, Importance.LOW,
                    "Follow slow drift of the normal score distribution (DSPOT-style): the training window's task shifts the "
                    + "calibration by the smoothed move of the median normal score and publishes it as a new model version.")
            .define(DRIFT_WEIGHT, Type.DOUBLE, 0.1, Range.between(1e-6, 1.0), Importance.LOW,
                    "Weight of each drift update in the smoothed shift.")
            .define(DRIFT_MAX_GROWTH, Type.DOUBLE, 0.5, Range.atLeast(0.0), Importance.LOW,
                    "Bound on the drift, as a fraction of the fitted distance from the median score to the threshold: "
                    + "anomalies creeping upward cannot raise the threshold further.")
            .define(DRIFT_UPDATE_RECORDS, Type.INT, 2_000, Range.between(100, 1_000_000), Importance.LOW,
                    "A drift update uses the scores of the last this many sampled records judged normal by the current model.")
            .define(DRIFT_INTERVAL_MS, Type.LONG, 600_000L, Range.atLeast(1_000), Importance.LOW,
                    "Time between drift updates (wall clock). Each update is a model version and counts against "
                    + MODEL_KEEP_VERSIONS + ".")
            .define(MODEL_FILE, Type.STRING, null, OPTIONAL_PATH, Importance.MEDIUM,
                    "A model bundle trained offline (vigil train) to start with, skipping cold start.")
            .define(MODEL_KEEP_VERSIONS, Type.INT, 5, Range.atLeast(1), Importance.LOW,
                    "Model versions kept on the models topic; older ones are tombstoned.")
            .define(MODEL_MAX_BYTES, Type.INT, 1_000_000, Range.between(10_000, 100_000_000), Importance.LOW,
                    "Largest model bundle that may be published; a larger one fails the training run loudly "
                            + "(raise the producer's max.request.size and the models topic's max.message.bytes with it).")
            .define(TRAIN_ENABLED, Type.BOOLEAN, true, TRUE_OR_FALSE, Importance.MEDIUM,
                    "Sample normal traffic into the rolling window and retrain. When false, models come only from "
                            + "`vigil model publish` or " + MODEL_FILE + ".")
            .define(TRAIN_SAMPLE_RATE, Type.DOUBLE, 0.25, Range.between(0.0001, 1.0), Importance.MEDIUM,
                    "Share of records sent to the training topic (chosen by a hash of the record's id, so a replay picks the same ones).")
            .define(TRAIN_ADMIT_MIN_PVALUE, Type.DOUBLE, 0.01, Range.between(0.0, 1.0), Importance.MEDIUM,
                    "Safety margin: a model is trained on a scored record only when its p-value is at least this (well below the threshold). "
                            + "Records judged normal with a lower p-value enter the window to calibrate with.")
            .define(TRAIN_MIN_RECORDS, Type.INT, 5_000, Range.atLeast(100), Importance.MEDIUM,
                    "Cold start: the first model is trained once the window holds this many records.")
            .define(TRAIN_WINDOW_RECORDS, Type.INT, 50_000, Range.atLeast(100), Importance.MEDIUM,
                    "The rolling training window keeps the last this many admitted records.")
            .define(TRAIN_WINDOW_MS, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                    "The window also drops records older than this in event time (0 = no time bound).")
            .define(TRAIN_RETRAIN_RECORDS, Type.INT, 20_000, Range.atLeast(1), Importance.MEDIUM,
                    "Retrain once this many new records entered the window since the last training ...")
            .define(TRAIN_RETRAIN_INTERVAL_MS, Type.LONG, 6 * 3_600_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "... or once this much time passed (wall clock), whichever comes first.")
            .define(TRAIN_RETRAIN_MAX_TIME_SHARE, Type.DOUBLE, 0.2, Range.between(0.01, 1.0), Importance.LOW,
                    "... but never so soon that retraining takes more than this share of the wall-clock time: after a run "
                    + "that took t, the next waits at least t (1 - share) / share (t 23 s at 0.2: 92 s). At high rates the "
                    + "record count alone would start runs back to back. t is the last run of any kind on the instance; after a "
                    + "restart nothing is spaced until one ran. Rounds during a shift are exempt; 1 turns this off.")
            .define(TRAIN_SHIFT_ALERT_RATE, Type.DOUBLE, 0.2, Range.between(0.001, 0.999), Importance.MEDIUM,
                    "A sustained shift: the anomaly rate of sampled records stays above this ...")
            .define(TRAIN_SHIFT_MIN_DURATION, Type.LONG, 300_000L, Range.atLeast(6), Importance.MEDIUM,
                    "... for longer than this many milliseconds of event time (checked in sixths of it). Shorter bursts never enter the window.")
            .define(TRAIN_SHIFT_ADMIT_SHARE, Type.DOUBLE, 0.8, Range.between(0.01, 1.0), Importance.LOW,
                    "During a shift, records are admitted by rank: those among the lowest-scoring share of recent traffic.")
            .define(TRAIN_GATE_TOLERANCE, Type.DOUBLE, 1.0, Range.atLeast(0.0), Importance.LOW,
                    "A candidate is promoted only when its mean held-out -ELBO is at most this many nats worse than the current model's.")
            .define(TRAIN_GATE_MAX_ALERT_RATE, Type.DOUBLE, 0.05, Range.between(0.0, 1.0), Importance.LOW,
                    "... and when it would flag at most this share of the window's most recent records.")
            .define(TRAIN_THREADS, Type.INT, 1, Range.between(1, 64), Importance.LOW,
                    "TensorFlow threads used by training, which runs off the stream thread.")
            .define(TRAIN_CPU_SHARE, Type.DOUBLE, 0.5, Range.between(0.05, 1.0), Importance.LOW,
                    "Share of its threads' time a retraining may use: it pauses after each step so that scoring keeps "
                    + "the rest. Training takes about 1/share times as long. The first model, and retrainings during a shift, "
                    + "train at full speed.")
            .define(TRAIN_EPOCHS, Type.INT, 100, Range.between(1, 10_000), Importance.LOW,
                    "Maximum training epochs (early stopping may end sooner).")
            .define(TRAIN_SEED, Type.LONG, 42L, typeOnly("any long"), Importance.LOW,
                    "Seed of training and of the model's fixed scoring noise.")
            .define(STATE_DIR, Type.STRING, "vigil-data", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Directory of Kafka Streams state (buffers, windows). Kept across restarts; never wiped on start.")
            .define(INSTANCE_ID, Type.STRING, null, OPTIONAL_INSTANCE_ID, Importance.MEDIUM,
                    "Static group membership: this instance's id in the consumer group, one per instance and unique "
                    + "(two running instances with one id fence each other). A restart with the same id takes its partitions "
                    + "back at once instead of waiting for its old session to time out; the session timeout then defaults "
                    + "to 60 s, how long the partitions of an instance that does not come back wait for another. Unset: "
                    + "dynamic membership. Needs the classic group protocol (Kafka's default).")
            .define(HTTP_PORT, Type.INT, 9400, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the HTTP server (/metrics, /healthz, /readyz, /api/model); 0 picks a free port.")
            .define(HTTP_BIND_ADDRESS, Type.STRING, null, OPTIONAL_HOST, Importance.MEDIUM,
                    "Address the HTTP server listens on, e.g. 127.0.0.1 for this machine only; unset listens on every interface.")
            .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, 10_000L, Range.between(100, 3_600_000), Importance.LOW,
                    "An HTTP request must be read and answered within this many milliseconds, counted from its first byte; "
                    + "otherwise its connection is closed. Requests run on threads of their own (up to 16 at once), so one "
                    + "that stalls does not hold up /healthz.")
            .define(READINESS_BROKER_TIMEOUT_MS, Type.LONG, 10_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "/readyz answers 503 once the Kafka cluster has not answered for this many milliseconds (an Admin client "
                    + "describes the cluster every fifth of it). Kafka Streams itself stays RUNNING through a broker outage.")
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 20_000L, Range.atLeast(0), Importance.LOW,
                    "How long a clean shutdown waits for Kafka Streams to close. After Ctrl-C or SIGTERM, "
                            + "`vigil run` exits at most 3 s after this, in order or not.");

    private static final Logger LOG = LoggerFactory.getLogger(VigilConfig.class);

    private final Map<String, String> kafka;

    private VigilConfig(Map<String, String> vigil, Map<String, String> kafka) {
        super(DEFINITION, vigil, false);
        this.kafka = Map.copyOf(kafka);
        int maxRequest = producerMaxRequestSize();
        if (getInt(MAX_RECORD_BYTES) > (long) maxRequest - OUTPUT_HEADROOM_BYTES) {
            throw new ConfigException(MAX_RECORD_BYTES, getInt(MAX_RECORD_BYTES), "must be at most the producer's "
                    + "max.request.size (" + maxRequest + ") minus " + OUTPUT_HEADROOM_BYTES + ", so that a record Vigil scores "
                    + "fits whole in its buffer and its alert: raise kafka.producer.max.request.size (and the output topics' "
                    + "max.message.bytes) with it");
        }
    }

    /**
     * The largest record Kafka Streams' producer sends ({@code max.request.size}, from
     * {@code kafka.producer.max.request.size}, else {@code kafka.max.request.size}, else Kafka's
     * default): every output is sized against it before it is sent.
     */
    public int producerMaxRequestSize() {
        String key = "producer.max.request.size";
        String value = kafka.get(key);
        if (value == null) {
            key = "max.request.size";
            value = kafka.get(key);
        }
        if (value == null) {
            return DEFAULT_MAX_REQUEST_SIZE;
        }
        try {
            int size = Integer.parseInt(value.trim());
            if (size < 1) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw new ConfigException(KAFKA_PREFIX + key, value, "must be a positive number of bytes");
        }
    }

    /** Builds a config from flat properties ({@code vigil.*} and {@code kafka.*} keys) without reading the environment. */
    public static VigilConfig of(Map<String, String> properties) {
        Map<String, String> vigil = new HashMap<>();
        Map<String, String> kafka = new TreeMap<>();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            String key = e.getKey().trim();
            if (key.startsWith(KAFKA_PREFIX)) {
                kafka.put(key.substring(KAFKA_PREFIX.length()), e.getValue());
            } else if (key.startsWith(VIGIL_PREFIX)) {
                if (!DEFINITION.names().contains(key)) {
                    throw new ConfigException("Unknown configuration key '" + key + "' (see `vigil config docs` for the keys)");
                }
                vigil.put(key, e.getValue());
            } else {
                throw new ConfigException("Configuration key '" + key + "' must start with 'vigil.' or 'kafka.'");
            }
        }
        String bootstrap = kafka.get("bootstrap.servers");
        if (bootstrap != null) {
            checkBootstrapServers(bootstrap);
        }
        List<String> unknown = KafkaKeys.unknown(kafka.keySet());
        if (!unknown.isEmpty()) {
            LOG.warn("No Kafka client or Streams setting is called {}: check the spelling (passed on to Kafka as given)",
                    unknown.stream().map(k -> KAFKA_PREFIX + k).toList());
        }
        return new VigilConfig(vigil, kafka);
    }

    /**
     * Refuses a bootstrap list with an entry that is not {@code host:port} (Kafka's own parser,
     * syntax only: a name that does not resolve yet, as in a starting compose file, is fine), so
     * that a typo is one line before anything happens instead of a stack trace from the admin client.
     */
    private static void checkBootstrapServers(String value) {
        String[] entries = value.split(",");
        for (String raw : entries) {
            String entry = raw.strip();
            if (entry.isEmpty() && entries.length > 1) {
                continue;
            }
            Integer port = org.apache.kafka.common.utils.Utils.getPort(entry);
            if (org.apache.kafka.common.utils.Utils.getHost(entry) == null || port == null || port < 1 || port > 65535) {
                throw new ConfigException("kafka.bootstrap.servers: '" + entry + "' is not host:port (for example "
                        + "broker1:9092,broker2:9092)");
            }
        }
    }

    /** Reads a properties file (may be null) and applies the environment on top. */
    public static VigilConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>();
        if (file != null) {
            merged.putAll(readProperties(file));
        }
        merged.putAll(fromEnvironment(environment));
        merged.putAll(overrides);
        return of(merged);
    }

    static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Config file not found: " + file);
        } catch (IOException e) {
            throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k).trim()));
        return map;
    }

    /** {@code VIGIL_HTTP_PORT=1} becomes {@code vigil.http.port=1}; {@code KAFKA_BOOTSTRAP_SERVERS} becomes {@code kafka.bootstrap.servers}. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> map = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("VIGIL_") || name.startsWith("KAFKA_")) {
                String key = name.toLowerCase(Locale.ROOT).replace('_', '.');
                // Only known vigil keys: VIGIL_HOME and the like are not configuration.
                if (key.startsWith(KAFKA_PREFIX) || DEFINITION.names().contains(key)) {
                    map.put(key, value);
                }
            }
        });
        return map;
    }

    /** Kafka client and Streams settings given with the {@code kafka.} prefix, prefix removed. */
    public Map<String, String> kafkaProperties() {
        return kafka;
    }

    public List<String> inputTopics() {
        return getList(INPUT_TOPICS);
    }

    /** Kafka Streams' {@code application.id}: {@code kafka.application.id}, else {@link #DEFAULT_APPLICATION_ID}. */
    public String applicationId() {
        return kafka.getOrDefault("application.id", DEFAULT_APPLICATION_ID);
    }

    /** The configuration reference as a Markdown table, generated from {@link #DEFINITION}. */
    public static String markdownTable() {
        StringBuilder md = new StringBuilder();
        md.append("| Key | Type | Default | Allowed | Description |\n");
        md.append("|---|---|---|---|---|\n");
        List<ConfigDef.ConfigKey> keys = new ArrayList<>(DEFINITION.configKeys().values());
        for (ConfigDef.ConfigKey key : keys) {
            md.append("| `").append(key.name).append("` | ")
                    .append(key.type.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(key.hasDefault() && key.defaultValue != null ? "`" + ConfigDef.convertToString(key.defaultValue, key.type) + "`" : "")
                    .append(" | ")
                    .append(key.validator == null ? "" : key.validator.toString().replace("|", "\\|"))
                    .append(" | ")
                    .append(key.documentation.replace("|", "\\|"))
                    .append(" |\n");
        }
        return md.toString();
    }

    /** The broker's rule for topic names, checked before Kafka sees them. */
    private static boolean isLegalTopic(String topic) {
        return LEGAL_TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
    }

    private static void ensureTopicNames(String name, Object value) {
        @SuppressWarnings("unchecked")
        List<String> topics = (List<String>) value;
        if (topics.isEmpty()) {
            throw new ConfigException(name, value, "needs at least one topic (leave it unset when using " + INPUT_PATTERN + ")");
        }
        Set<String> seen = new HashSet<>();
        for (String topic : topics) {
            if (!isLegalTopic(topic)) {
                throw new ConfigException(name, value, "'" + topic + "' is not a Kafka topic name: " + TOPIC_RULE);
            }
            // Kafka Streams refuses a source that names one topic twice, with a less helpful message.
            if (!seen.add(topic)) {
                throw new ConfigException(name, value, "names '" + topic + "' more than once");
            }
        }
    }

    /**
     * For keys where the type is the whole rule: ConfigDef already rejects a value that does not
     * parse as the type, naming the key and the value. This only states what is allowed.
     */
    private static ConfigDef.Validator typeOnly(String allowed) {
        return LambdaValidator.with((name, value) -> { }, () -> allowed);
    }

    /** Validates that a string is a Java regular expression. */
    private static final class RegexValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            try {
                Pattern.compile((String) value);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(name, value, "not a valid regular expression: " + e.getDescription());
            }
        }

        @Override
        public String toString() {
            return "a Java regular expression";
        }
    }
}
