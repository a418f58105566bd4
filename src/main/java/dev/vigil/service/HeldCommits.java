package dev.vigil.service;

import dev.vigil.score.UnscoredOffsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * Kafka Streams' clients, with the main consumer's commits held at the oldest record the scoring processor has
 * not scored yet ({@link UnscoredOffsets}). This is how Vigil's micro-batch buffer is kept safe under
 * at-least-once: a record accepted but not scored when its task
 * commits (at an interval, at a rebalance or at shutdown) is read again after a restart, instead of being
 * written to a store and deleted again for every record. Under exactly_once_v2 offsets are committed in the
 * producer's transaction, not by the consumer, and the buffer is a changelogged store as before.
 *
 * <p>Kafka Streams' at-least-once commit is {@code commitSync(offsets)} on the main consumer (4.3's
 * {@code TaskManager.consumerCommitSync}); the other clients are those Kafka Streams would use anyway.
 */
public final class HeldCommits implements KafkaClientSupplier {

    private final UnscoredOffsets unscored;
    /** The clients Kafka Streams would use otherwise ({@code default.client.supplier}), for all but the main consumer. */
    private final KafkaClientSupplier others;

    private HeldCommits(UnscoredOffsets unscored, KafkaClientSupplier others) {
        this.unscored = unscored;
        this.others = others;
    }

    /** Where to hold commits under {@code streamsProperties}' guarantee: at-least-once only, else null. */
    public static UnscoredOffsets unscoredOffsets(Properties streamsProperties) {
        return StreamsSettings.atLeastOnce(streamsProperties) ? new UnscoredOffsets() : null;
    }

    /** Kafka Streams for {@code topology}, holding its commits at {@code unscored} unless that is null. */
    public static KafkaStreams streams(Topology topology, Properties streamsProperties, UnscoredOffsets unscored) {
        if (unscored == null) {
            return new KafkaStreams(topology, streamsProperties);
        }
        StreamsConfig config = new StreamsConfig(streamsProperties);
        return new KafkaStreams(topology, config, new HeldCommits(unscored, config.getKafkaClientSupplier()));
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()) {
            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                super.commitSync(unscored.clampCommit(offsets));
            }

            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
                super.commitSync(unscored.clampCommit(offsets), timeout);
            }
        };
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return others.getAdmin(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return others.getProducer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return others.getRestoreConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return others.getGlobalConsumer(config);
    }
}
