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
import java.time.Duration;
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
 *                        │                               └─▶ vigil-incidents (store) ─▶ alerts topic
 *                        └─▶ dead-letter topic
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

        private Names() {
        }
    }

    /** Everything the topology reports as it runs; metrics implement it. */
    public interface Listener extends IngestProcessor.Listener, ScoringProcessor.Listener, IncidentProcessor.Listener {
        Listener NONE = new Listener() {
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

        String pattern = config.getString(VigilConfig.INPUT_PATTERN);
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        if (pattern != null) {
            topology.addSource(Names.SOURCE, bytes, bytes, Pattern.compile(pattern));
        } else {
            topology.addSource(Names.SOURCE, bytes, bytes, config.inputTopics().toArray(String[]::new));
        }

        topology.addProcessor(Names.INGEST,
                () -> new IngestProcessor(parser, Names.SCORE, Names.DEAD_LETTER_SINK, listener), Names.SOURCE);
        ByteArraySerializer out = new ByteArraySerializer();
        topology.addSink(Names.DEAD_LETTER_SINK, config.getString(VigilConfig.DEAD_LETTER_TOPIC), out, out, Names.INGEST);

        boolean scoresEnabled = config.getBoolean(VigilConfig.SCORES_ENABLED);
        ScoringProcessor.Children children = new ScoringProcessor.Children(
                scoresEnabled ? Names.SCORES_SINK : null, Names.INCIDENTS);
        int batchRecords = config.getInt(VigilConfig.BATCH_MAX_RECORDS);
        Duration batchWait = Duration.ofMillis(config.getLong(VigilConfig.BATCH_MAX_WAIT_MS));
        int topFeatures = config.getInt(VigilConfig.TOP_FEATURES);
        topology.addProcessor(Names.SCORE,
                () -> new ScoringProcessor(Names.SCORE_BUFFER_STORE, batchRecords, batchWait, models, topFeatures,
                        children, listener),
                Names.INGEST);
        // In memory with a changelog: the buffer is small, and a restore replays it from Kafka.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(Names.SCORE_BUFFER_STORE), Serdes.Integer(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of()), Names.SCORE);
        if (scoresEnabled) {
            topology.addSink(Names.SCORES_SINK, config.getString(VigilConfig.SCORES_TOPIC), out, out, Names.SCORE);
        }

        Duration cooldown = Duration.ofMillis(config.getLong(VigilConfig.COOLDOWN_MS));
        topology.addProcessor(Names.INCIDENTS,
                () -> new IncidentProcessor(Names.INCIDENTS_STORE, cooldown, Names.ALERTS_SINK, listener), Names.SCORE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Names.INCIDENTS_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of()), Names.INCIDENTS);
        topology.addSink(Names.ALERTS_SINK, config.getString(VigilConfig.ALERTS_TOPIC), out, out, Names.INCIDENTS);
        return topology;
    }
}
