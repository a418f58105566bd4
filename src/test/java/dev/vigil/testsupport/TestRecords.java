package dev.vigil.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces and reads raw records in tests, without consumer groups or committed offsets. */
public final class TestRecords {

    private static final Duration POLL = Duration.ofMillis(100);

    private TestRecords() {
    }

    /** Sends {@code records} (each names its own topic), waits until all are acknowledged, and returns their metadata. */
    public static List<RecordMetadata> produce(String bootstrapServers, List<ProducerRecord<byte[], byte[]>> records) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<byte[], byte[]> record : records) {
                sent.add(producer.send(record));
            }
            List<RecordMetadata> metadata = new ArrayList<>(sent.size());
            for (Future<RecordMetadata> future : sent) {
                metadata.add(future.get());
            }
            return metadata;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while producing", e);
        } catch (ExecutionException e) {
            throw new AssertionError("Producing failed: " + e.getCause(), e.getCause());
        }
    }

    /** Sends UTF-8 string key/value pairs to {@code topic}; a {@code null} key or value is sent as null. */
    public static List<RecordMetadata> produceStrings(String bootstrapServers, String topic, List<Map.Entry<String, String>> keyValues) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(keyValues.size());
        for (Map.Entry<String, String> kv : keyValues) {
            records.add(new ProducerRecord<>(topic, utf8(kv.getKey()), utf8(kv.getValue())));
        }
        return produce(bootstrapServers, records);
    }

    /**
     * Reads {@code topic} from the beginning of every partition until at least {@code count} records
     * arrived or {@code timeout} passed, and returns what arrived (possibly fewer: let the test's
     * assertion say so). With {@code readCommitted} only records of committed transactions are seen.
     */
    public static List<ConsumerRecord<byte[], byte[]>> consume(String bootstrapServers, String topic, int count,
                                                               Duration timeout, boolean readCommitted) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            if (partitions.isEmpty()) {
                throw new AssertionError("Topic '" + topic + "' does not exist");
            }
            List<TopicPartition> assigned = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            while (received.size() < count && System.nanoTime() - deadline < 0) {
                consumer.poll(POLL).forEach(received::add);
            }
        }
        return received;
    }

    /** Like {@link #consume} (read_uncommitted), with keys and values decoded as UTF-8. */
    public static List<Map.Entry<String, String>> consumeStrings(String bootstrapServers, String topic, int count, Duration timeout) {
        List<Map.Entry<String, String>> decoded = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consume(bootstrapServers, topic, count, timeout, false)) {
            // SimpleEntry, unlike Map.entry, allows null keys and values (tombstones).
            decoded.add(new AbstractMap.SimpleEntry<>(string(r.key()), string(r.value())));
        }
        return decoded;
    }

    public static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
