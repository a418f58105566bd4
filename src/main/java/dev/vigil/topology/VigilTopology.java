package dev.vigil.topology;

import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.ErrorClass;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.IngestProcessor;
import dev.vigil.ingest.RecordParser;
import dev.vigil.score.Alert;
import dev.vigil.score.IncidentProcessor;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.Outcome;
import dev.vigil.score.ScoringProcessor;
import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.model.VaeConfig;
import dev.vigil.score.ModelLoader;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.train.Retrainer;
import dev.vigil.train.WindowProcessor;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds Vigil's Kafka Streams topology from configuration: a pure function, no I/O.
 *
 * <pre>
 * input ─▶ vigil-ingest ─┬─▶ vigil-score (buffer store) ─┬─▶ scores topic
 *                        │                               ├─▶ vigil-incidents (store) ─▶ alerts topic
 *                        │                               └─▶ training topic (sampled)
 *                        └─▶ dead-letter topic
 * training topic ─▶ vigil-window (window store) ─▶ models topic
 * models topic ─▶ global store ─▶ vigil-model-loader ─▶ ModelHolder (every instance)
 * </pre>
 *
 * Every processor, store and sink has a fixed name ({@link Names}): renaming one renames its
 * changelog topic and would lose the buffered records on upgrade, so a test pins
 * {@code Topology.describe()}.
 */
public final class VigilTopology {

    /** Stable names of the topology's nodes and stores. */
    public static final class Names {
        public static final String SOURCE = "vigil-input";
        public static final String INGEST = "vigil-ingest";
        public static final String DEAD_LETTER_SINK = "vigil-dead-letter-sink";
        public static final String SCORE = "vigil-score";
        public static final String SCORE_BUFFER_STORE = "vigil-score-buffer";
        public static final String SCORES_SINK = "vigil-scores-sink";
        public static final String INCIDENTS = "vigil-incidents";
        public static final String INCIDENTS_STORE = "vigil-incidents-store";
        public static final String ALERTS_SINK = "vigil-alerts-sink";
        public static final String TRAINING_SINK = "vigil-training-sink";
        public static final String TRAINING_SOURCE = "vigil-training-source";
        public static final String WINDOW = "vigil-window";
        public static final String WINDOW_STORE = "vigil-window-store";
        public static final String WINDOW_META_STORE = "vigil-window-meta";
        public static final String MODELS_SINK = "vigil-models-sink";
        public static final String MODELS_SOURCE = "vigil-models-source";
        public static final String MODEL_LOADER = "vigil-model-loader";
        public static final String MODELS_STORE = "vigil-models-store";

        private Names() {
        }
    }

    /** Everything the topology reports as it runs; metrics implement it. */
    public interface Listener extends IngestProcessor.Listener, ScoringProcessor.Listener, IncidentProcessor.Listener,
            WindowProcessor.Listener {
        Listener NONE = new Listener() {
            @Override
            public void windowSize(long records) {
            }

            @Override
            public void trainingFinished(Retrainer.Outcome outcome) {
            }

            @Override
            public void shiftDetected() {
            }

            @Override
            public void shiftSettled() {
            }

            @Override
            public void deadLetter(String sourceTopic, ErrorClass errorClass) {
            }

            @Override
            public void batchScored(int size, long nanos) {
            }

            @Override
            public void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
            }

            @Override
            public void alerted(Alert alert) {
            }

            @Override
            public void folded(Alert alert) {
            }
        };
    }

    private VigilTopology() {
    }

    public static Topology build(VigilConfig config, FeatureSpec spec, ModelHolder models, Listener listener) {
        RecordParser parser = new RecordParser(spec, config.getInt(VigilConfig.MAX_RECORD_BYTES),
                VigilConfig.UNKNOWN_CATEGORY_MISSING.equals(config.getString(VigilConfig.UNKNOWN_CATEGORY)));
        Topology topology = new Topology();
        // Outputs are sized against this before they are sent: a refused send would stop the stream thread.
        int maxSendBytes = config.producerMaxRequestSize();

        String pattern = config.getString(VigilConfig.INPUT_PATTERN);
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        if (pattern != null) {
            topology.addSource(Names.SOURCE, bytes, bytes, Pattern.compile(pattern));
        } else {
            topology.addSource(Names.SOURCE, bytes, bytes, config.inputTopics().toArray(String[]::new));
        }

        topology.addProcessor(Names.INGEST,
                () -> new IngestProcessor(parser, Names.SCORE, Names.DEAD_LETTER_SINK, listener, maxSendBytes), Names.SOURCE);
        ByteArraySerializer out = new ByteArraySerializer();
        topology.addSink(Names.DEAD_LETTER_SINK, config.getString(VigilConfig.DEAD_LETTER_TOPIC), out, out, Names.INGEST);

        boolean scoresEnabled = config.getBoolean(VigilConfig.SCORES_ENABLED);
        boolean training = config.getBoolean(VigilConfig.TRAIN_ENABLED);
        ScoringProcessor.Children children = new ScoringProcessor.Children(
                scoresEnabled ? Names.SCORES_SINK : null, Names.INCIDENTS, training ? Names.TRAINING_SINK : null);
        double sampleRate = config.getDouble(VigilConfig.TRAIN_SAMPLE_RATE);
        int batchRecords = config.getInt(VigilConfig.BATCH_MAX_RECORDS);
        Duration batchWait = Duration.ofMillis(config.getLong(VigilConfig.BATCH_MAX_WAIT_MS));
        int topFeatures = config.getInt(VigilConfig.TOP_FEATURES);
        topology.addProcessor(Names.SCORE,
                () -> new ScoringProcessor(Names.SCORE_BUFFER_STORE, batchRecords, batchWait, models, topFeatures,
                        children, sampleRate, listener),
                Names.INGEST);
        // In memory with a changelog: the buffer is small, and a restore replays it from Kafka.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(Names.SCORE_BUFFER_STORE), Serdes.Integer(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), Names.SCORE);
        if (scoresEnabled) {
            topology.addSink(Names.SCORES_SINK, config.getString(VigilConfig.SCORES_TOPIC), out, out, Names.SCORE);
        }

        Duration cooldown = Duration.ofMillis(config.getLong(VigilConfig.COOLDOWN_MS));
        topology.addProcessor(Names.INCIDENTS,
                () -> new IncidentProcessor(Names.INCIDENTS_STORE, cooldown, Names.ALERTS_SINK, listener, maxSendBytes), Names.SCORE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.INCIDENTS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), Names.INCIDENTS);
        topology.addSink(Names.ALERTS_SINK, config.getString(VigilConfig.ALERTS_TOPIC), out, out, Names.INCIDENTS);

        if (training) {
            addTraining(topology, config, spec, models, listener);
        }
        addModelLoader(topology, config, spec, models);
        return topology;
    }

    /** The alert policy from the {@code vigil.alert.*} knobs. */
    public static AlertPolicy alertPolicy(VigilConfig config) {
        return new AlertPolicy(config.getDouble(VigilConfig.MIN_SCORE_MARGIN),
                config.getInt(VigilConfig.MIN_CONTRIBUTING_FEATURES), CalibrationSettings.DEFAULT_FEATURE_P_VALUE_BOUND);
    }

    /** Training sample topic ─▶ rolling window ─▶ models topic: one task, on whichever instance owns partition 0. */
    private static void addTraining(Topology topology, VigilConfig config, FeatureSpec spec, ModelHolder models,
                                    Listener listener) {
        ByteArraySerializer out = new ByteArraySerializer();
        ByteArrayDeserializer in = new ByteArrayDeserializer();
        String trainingTopic = config.getString(VigilConfig.TRAINING_TOPIC);
        topology.addSink(Names.TRAINING_SINK, trainingTopic, out, out, Names.SCORE);
        topology.addSource(Names.TRAINING_SOURCE, in, in, trainingTopic);
        WindowProcessor.Settings settings = new WindowProcessor.Settings(
                config.getInt(VigilConfig.TRAIN_WINDOW_RECORDS),
                config.getLong(VigilConfig.TRAIN_WINDOW_MS),
                config.getInt(VigilConfig.TRAIN_MIN_RECORDS),
                config.getInt(VigilConfig.TRAIN_RETRAIN_RECORDS),
                Duration.ofMillis(config.getLong(VigilConfig.TRAIN_RETRAIN_INTERVAL_MS)),
                config.getDouble(VigilConfig.TRAIN_ADMIT_MIN_PVALUE),
                config.getDouble(VigilConfig.TRAIN_SHIFT_ALERT_RATE),
                Duration.ofMillis(config.getLong(VigilConfig.TRAIN_SHIFT_MIN_DURATION)),
                config.getDouble(VigilConfig.TRAIN_SHIFT_ADMIT_SHARE),
                config.getInt(VigilConfig.MODEL_KEEP_VERSIONS),
                config.getInt(VigilConfig.MODEL_MAX_BYTES),
                config.getInt(VigilConfig.DRIFT_UPDATE_RECORDS),
                Duration.ofMillis(config.getLong(VigilConfig.DRIFT_INTERVAL_MS)));
        CalibrationSettings calibration = CalibrationSettings.defaults().withTargetFpr(config.getDouble(VigilConfig.TARGET_FPR));
        if (config.getBoolean(VigilConfig.DRIFT_ENABLED)) {
            calibration = calibration.withDrift(config.getDouble(VigilConfig.DRIFT_WEIGHT), config.getDouble(VigilConfig.DRIFT_MAX_GROWTH));
        }
        VaeConfig vae = VaeConfig.defaults(spec)
                .withEpochs(config.getInt(VigilConfig.TRAIN_EPOCHS))
                .withSeed(config.getLong(VigilConfig.TRAIN_SEED))
                .withThreads(config.getInt(VigilConfig.TRAIN_THREADS));
        Retrainer retrainer = new Retrainer(spec, vae, calibration, alertPolicy(config), config.getDouble(VigilConfig.TRAIN_GATE_TOLERANCE),
                config.getDouble(VigilConfig.TRAIN_GATE_MAX_ALERT_RATE), config.getDouble(VigilConfig.TRAIN_CPU_SHARE));
        topology.addProcessor(Names.WINDOW, () -> new WindowProcessor(Names.WINDOW_STORE, Names.WINDOW_META_STORE, settings,
                retrainer, models::currentBundle, Names.MODELS_SINK, listener), Names.TRAINING_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.WINDOW_STORE), Serdes.Long(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of()), Names.WINDOW);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.WINDOW_META_STORE), Serdes.String(), Serdes.Long())
                .withLoggingEnabled(Map.of()), Names.WINDOW);
        topology.addSink(Names.MODELS_SINK, config.getString(VigilConfig.MODELS_TOPIC), new LongSerializer(), out, Names.WINDOW);
    }

    /** Models topic ─▶ global store ─▶ the scorer of every instance. */
    private static void addModelLoader(Topology topology, VigilConfig config, FeatureSpec spec, ModelHolder models) {
        AlertPolicy policy = alertPolicy(config);
        int threads = config.getInt(VigilConfig.SCORE_THREADS);
        // Global stores restore from their source topic: no changelog of their own.
        topology.addGlobalStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.MODELS_STORE), Serdes.Long(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                Names.MODELS_SOURCE, new LongDeserializer(), new ByteArrayDeserializer(),
                config.getString(VigilConfig.MODELS_TOPIC), Names.MODEL_LOADER,
                () -> new ModelLoader(Names.MODELS_STORE, spec, models, bundle -> VaeBatchScorer.open(bundle, policy, threads)));
    }
}
