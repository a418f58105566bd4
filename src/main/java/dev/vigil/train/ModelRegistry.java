package dev.vigil.train;

import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;

/**
 * The models topic seen from outside the topology: what the operator commands ({@code vigil
 * model list|publish|rollback}) and a bootstrap model use. The topic is compacted and keyed by
 * version; the newest version is the current model on every instance.
 *
 * <p>Publishing picks the next version after the newest on the topic. The window task does the
 * same from inside the topology; publishing by hand while a training run finishes could pick
 * the same version, in which case the later write wins: do it when no training is due.
 */
public final class ModelRegistry {

    private final Properties client;
    private final String topic;

    /** {@code client}: bootstrap servers and security settings of the cluster. */
    public ModelRegistry(Properties client, String topic) {
        this.client = client;
        this.topic = topic;
    }

    /** Every live (not tombstoned) bundle on the topic by version, read to the end. {@code spec} null skips the fingerprint check. */
    public Map<Long, ModelBundle> versions(FeatureSpec spec) {
        Map<Long, byte[]> raw = new TreeMap<>();
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<Long, byte[]> consumer = new KafkaConsumer<>(p, new LongDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            List<TopicPartition> partitions = List.of(partition);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long end = consumer.endOffsets(partitions, Duration.ofSeconds(30)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading the models topic " + topic);
                }
                for (ConsumerRecord<Long, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        raw.remove(r.key());
                    } else if (r.key() != null) {
                        raw.put(r.key(), r.value());
                    }
                }
            }
        }
        Map<Long, ModelBundle> bundles = new TreeMap<>();
        raw.forEach((version, bytes) -> bundles.put(version, ModelBundle.fromBytes(bytes, spec).withVersion(version)));
        return bundles;
    }

    /** The newest version on the topic, 0 when there is none. */
    public long newestVersion() {
        return versions(null).keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Publishes {@code bundle} as the newest version and returns that version. */
    public long publish(ModelBundle bundle) {
        long version = newestVersion() + 1;
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Math.max(1 << 20, bundle.sizeBytes() + 64 * 1024)));
        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(p, new LongSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, 0, version, bundle.withVersion(version).toBytes())).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish model v" + version + " to " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        return version;
    }

    /** Republishes version {@code to} as the newest version, so every instance scores with its weights again. */
    public long rollback(long to, FeatureSpec spec) {
        ModelBundle old = versions(spec).get(to);
        if (old == null) {
            throw new IllegalArgumentException("no model v" + to + " on " + topic + " (it may have been tombstoned; see vigil model list)");
        }
        return publish(old);
    }
}
