package dev.vigil.topology;

import dev.vigil.config.VigilSettings;
import dev.vigil.context.ContextFeatures;
import dev.vigil.context.ContextProcessor;
import dev.vigil.context.Silence;
import dev.vigil.ingest.ErrorClass;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.IngestOutput;
import dev.vigil.ingest.IngestProcessor;
import dev.vigil.ingest.ParsedRecord;
import dev.vigil.ingest.RecordParser;
import dev.vigil.score.Alert;
import dev.vigil.score.IncidentProcessor;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.Outcome;
import dev.vigil.score.ScoringOutput;
import dev.vigil.score.ScoringProcessor;
import dev.vigil.score.UnscoredOffsets;
import dev.vigil.calibration.AlertPolicy;
import dev.vigil.score.ModelLoader;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.train.Retrainer;
import dev.vigil.train.TrainingRuns;
import dev.vigil.train.WindowListener;
import dev.vigil.train.WindowProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds Vigil's Kafka Streams topology from {@link VigilSettings}: a pure function, no I/O.
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
 * With a spec that has a context block, {@code vigil-context} (entity store) stands between ingest
 * and scoring and writes silence records to the alerts topic; when the spec names an entity field
 * and the input is not keyed by it ({@link #repartitionsByEntity}), parsed records reach it through
 * the repartition topic {@code <application.id>-vigil-context-repartition}:
 * <pre>
 * input ─▶ vigil-ingest ─▶ repartition topic ─▶ vigil-context (entity store) ─┬─▶ vigil-score ─▶ ...
 *                                                                             └─▶ alerts topic (silence)
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
        public static final String CONTEXT_REPARTITION_SINK = "vigil-context-repartition-sink";
        public static final String CONTEXT_REPARTITION_SOURCE = "vigil-context-repartition-source";
        public static final String CONTEXT = "vigil-context";
        public static final String CONTEXT_STORE = "vigil-context-store";
        public static final String SILENCE_SINK = "vigil-silence-sink";

        private Names() {
        }
    }

    /** Everything the topology reports as it runs; metrics implement it. Each call does nothing unless overridden. */
    public interface Listener extends IngestProcessor.Listener, ScoringProcessor.Listener, IncidentProcessor.Listener,
            WindowListener, ContextProcessor.Listener {
        Listener NONE = new Listener() {
        };

        @Override
        default void entitiesHeld(String task, long entities) {
        }

        @Override
        default void windowSize(long records, long calibrationOnly) {
        }

        @Override
        default void trainingFinished(Retrainer.Outcome outcome) {
        }

        @Override
        default void shiftDetected() {
        }

        @Override
        default void shiftSettled() {
        }

        @Override
        default void deadLetter(String sourceTopic, ErrorClass errorClass) {
        }

        @Override
        default void batchScored(int size, long nanos) {
        }

        @Override
        default void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
        }

        @Override
        default void alerted(Alert alert) {
        }

        @Override
        default void folded(Alert alert) {
        }
    }

    private VigilTopology() {
    }

    /**
     * The topology for {@code settings}: no I/O, so the same settings always describe the same topology.
     *
     * @param unscored where the scoring processor holds commits at records it has not scored yet, under
     *                 at-least-once, for Kafka Streams clients from {@link dev.vigil.service.HeldCommits}; null
     *                 under exactly_once_v2, where its buffer is a changelogged store instead
     */
    public static Topology build(VigilSettings settings, FeatureSpec spec, ModelHolder models, Listener listener,
                                 UnscoredOffsets unscored) {
        return build(settings, spec, models, listener, TrainingRuns.BACKGROUND, unscored);
    }

    /** The same topology, with its trainings run as {@code runs} says ({@link TrainingRuns#INLINE} in a backtest). */
    public static Topology build(VigilSettings settings, FeatureSpec spec, ModelHolder models, Listener listener,
                                 TrainingRuns runs, UnscoredOffsets unscored) {
        VigilSettings.Topics topics = settings.topics();
        RecordParser parser = settings.ingest().parser(spec);
        Topology topology = new Topology();
        // Outputs are sized against this before they are sent: a refused send would stop the stream thread.
        int maxSendBytes = settings.ingest().maxSendBytes();

        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        if (topics.inputPattern() != null) {
            topology.addSource(Names.SOURCE, bytes, bytes, Pattern.compile(topics.inputPattern()));
        } else {
            topology.addSource(Names.SOURCE, bytes, bytes, topics.input().toArray(String[]::new));
        }

        boolean repartition = repartitionsByEntity(settings, spec);
        String ingestChild = !spec.hasContext() ? Names.SCORE : repartition ? Names.CONTEXT_REPARTITION_SINK : Names.CONTEXT;
        topology.addProcessor(Names.INGEST,
                () -> new IngestProcessor(parser, ingestChild, Names.DEAD_LETTER_SINK, listener, maxSendBytes), Names.SOURCE);
        ByteArraySerializer out = new ByteArraySerializer();
        topology.addSink(Names.DEAD_LETTER_SINK, topics.deadLetters(), out, IngestOutput.DEAD_LETTER_SERIALIZER, Names.INGEST);
        String scoreParent = spec.hasContext() ? addContext(topology, settings, spec, repartition, listener) : Names.INGEST;

        boolean training = settings.training().enabled();
        ScoringProcessor.Children children = new ScoringProcessor.Children(
                topics.scoresEnabled() ? Names.SCORES_SINK : null, Names.INCIDENTS, training ? Names.TRAINING_SINK : null);
        VigilSettings.Scoring scoring = settings.scoring();
        VigilSettings.Alerts alerts = settings.alerts();
        double sampleRate = settings.training().sampleRate();
        topology.addProcessor(Names.SCORE,
                () -> new ScoringProcessor(Names.SCORE_BUFFER_STORE, unscored, scoring.batchMaxRecords(), scoring.batchMaxWait(),
                        scoring.flushWhenDrained(), models, alerts.topFeatures(), children, sampleRate, listener),
                scoreParent);
        // In memory with a changelog: the buffer is small, and a restore replays it from Kafka. Kept when commits are
        // held instead: it is idle then, but what an earlier instance left in it is still scored.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(Names.SCORE_BUFFER_STORE), Serdes.Integer(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), Names.SCORE);
        if (topics.scoresEnabled()) {
            topology.addSink(Names.SCORES_SINK, topics.scores(), out, ScoringOutput.SCORE_SERIALIZER, Names.SCORE);
        }

        topology.addProcessor(Names.INCIDENTS,
                () -> new IncidentProcessor(Names.INCIDENTS_STORE, alerts.cooldown(), Names.ALERTS_SINK, listener, maxSendBytes), Names.SCORE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.INCIDENTS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), Names.INCIDENTS);
        topology.addSink(Names.ALERTS_SINK, topics.alerts(), out, out, Names.INCIDENTS);

        if (training) {
            addTraining(topology, settings, spec, models, listener, runs);
        }
        addModelLoader(topology, settings, spec, models);
        return topology;
    }

    /**
     * Whether the parsed records go through the context's repartition topic: the spec has context and
     * names an entity field, and {@code vigil.context.input.keyed.by.entity} does not say the input
     * already keeps each entity on one partition. (Without an entity field the entity is the Kafka key,
     * which the input partitions by.)
     */
    public static boolean repartitionsByEntity(VigilSettings settings, FeatureSpec spec) {
        return spec.hasContext() && spec.entityKey() != null && !settings.context().inputKeyedByEntity();
    }

    /**
     * [repartition topic ─▶] vigil-context (entity store) ─▶ silence records to the alerts topic;
     * returns the node the scorer reads from.
     */
    private static String addContext(Topology topology, VigilSettings settings, FeatureSpec spec, boolean repartition,
                                     Listener listener) {
        String parent = Names.INGEST;
        if (repartition) {
            String topic = settings.topics().contextRepartition();
            String inputPattern = settings.topics().inputPattern();
            if (inputPattern != null && Pattern.matches(inputPattern, topic)) {
                throw new IllegalArgumentException("vigil.input.pattern " + inputPattern + " matches the context's repartition "
                        + "topic " + topic + ": narrow it, or set vigil.context.input.keyed.by.entity=true if the input is keyed by entity");
            }
            // Partitioned by entity as the default partitioner would partition a key of the entity's bytes.
            StreamPartitioner<byte[], ParsedRecord> byEntity = (t, key, record, partitions) -> Optional.of(Set.of(
                    Utils.toPositive(Utils.murmur2(record.entity().getBytes(StandardCharsets.UTF_8))) % partitions));
            topology.addSink(Names.CONTEXT_REPARTITION_SINK, topic, new ByteArraySerializer(), ParsedRecord.SERIALIZER,
                    byEntity, Names.INGEST);
            topology.addSource(Names.CONTEXT_REPARTITION_SOURCE, new ByteArrayDeserializer(), ParsedRecord.DESERIALIZER, topic);
            parent = Names.CONTEXT_REPARTITION_SOURCE;
        }
        VigilSettings.Context context = settings.context();
        topology.addProcessor(Names.CONTEXT, () -> new ContextProcessor(Names.CONTEXT_STORE, new ContextFeatures(spec),
                context.entityTtl(), context.silenceGapFactor(), context.sweepInterval(), Names.SCORE, Names.SILENCE_SINK,
                listener), parent);
        // Persistent: one entry per entity, and a restart on the same state dir need not read the whole changelog.
        // The cache folds an entity's updates within a commit interval into one changelog write.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.CONTEXT_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), Names.CONTEXT);
        topology.addSink(Names.SILENCE_SINK, settings.topics().alerts(), new ByteArraySerializer(), Silence.SERIALIZER,
                Names.CONTEXT);
        return Names.CONTEXT;
    }

    /** Training sample topic ─▶ rolling window ─▶ models topic: one task, on whichever instance owns partition 0. */
    private static void addTraining(Topology topology, VigilSettings settings, FeatureSpec spec, ModelHolder models,
                                    Listener listener, TrainingRuns runs) {
        ByteArraySerializer out = new ByteArraySerializer();
        ByteArrayDeserializer in = new ByteArrayDeserializer();
        String trainingTopic = settings.topics().training();
        topology.addSink(Names.TRAINING_SINK, trainingTopic, out, ScoringOutput.TRAINING_SAMPLE_SERIALIZER, Names.SCORE);
        topology.addSource(Names.TRAINING_SOURCE, in, in, trainingTopic);
        VigilSettings.Training training = settings.training();
        Retrainer retrainer = new Retrainer(spec, training.vae(spec), training.calibration(), settings.alerts().policy(),
                training.gateTolerance(), training.gateMaxAlertRate(), training.cpuShare());
        topology.addProcessor(Names.WINDOW, () -> new WindowProcessor(Names.WINDOW_STORE, Names.WINDOW_META_STORE,
                training.window(), retrainer, models::currentBundle, Names.MODELS_SINK, listener, runs), Names.TRAINING_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.WINDOW_STORE), Serdes.Long(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of()), Names.WINDOW);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.WINDOW_META_STORE), Serdes.String(), Serdes.Long())
                .withLoggingEnabled(Map.of()), Names.WINDOW);
        topology.addSink(Names.MODELS_SINK, settings.topics().models(), new LongSerializer(), out, Names.WINDOW);
    }

    /** Models topic ─▶ global store ─▶ the scorer of every instance. */
    private static void addModelLoader(Topology topology, VigilSettings settings, FeatureSpec spec, ModelHolder models) {
        AlertPolicy policy = settings.alerts().policy();
        int threads = settings.scoring().threads();
        // Global stores restore from their source topic: no changelog of their own.
        topology.addGlobalStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.MODELS_STORE), Serdes.Long(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                Names.MODELS_SOURCE, new LongDeserializer(), new ByteArrayDeserializer(),
                settings.topics().models(), Names.MODEL_LOADER,
                () -> new ModelLoader(Names.MODELS_STORE, spec, models, bundle -> VaeBatchScorer.open(bundle, policy, threads)));
    }
}
