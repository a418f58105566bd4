package dev.vigil.it;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A measurement, not a test (no {@code Test}/{@code IT} suffix, so no build runs it): the maximum
 * rate through the full service, the end-to-end latency from {@code send()} of an input record to
 * a consumer receiving its score at half that rate, and what the buffer's changelog costs per
 * input record. Run with the test classpath: {@code java -cp ... dev.vigil.it.LatencyBench}.
 */
public final class LatencyBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> broker = new HashMap<>();
        broker.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0, broker)) {
            if (args.length == 2 || args.length == 3) { // bursts: LatencyBench <guarantee> <records> [<runs>]
                for (int i = 0; i < (args.length == 3 ? Integer.parseInt(args[2]) : 1); i++) {
                    run(kafka, args[0], 256, 5, null, 0, Integer.parseInt(args[1]), 0);
                }
                return;
            }
            if (args.length == 5) { // one paced run: LatencyBench <guarantee> <batch> <wait ms> <commit ms|default> <rate>
                run(kafka, args[0], 256, 5, null, 0, 40_000, 0); // warm-up, discarded
                run(kafka, args[0], Integer.parseInt(args[1]), Long.parseLong(args[2]),
                        args[3].equals("default") ? null : args[3], Double.parseDouble(args[4]), 0, 12);
                return;
            }
            System.err.println("warm-up (discarded)");
            run(kafka, "at_least_once", 256, 5, null, 0, 40_000, 5);
            double alos = run(kafka, "at_least_once", 256, 5, null, 0, 150_000, 0);
            double eos = run(kafka, "exactly_once_v2", 256, 5, null, 0, 150_000, 0);
            for (long wait : new long[] {1, 5, 20}) {
                run(kafka, "at_least_once", 256, wait, null, alos / 2, 0, 12);
            }
            run(kafka, "at_least_once", 1024, 5, null, alos / 2, 0, 12);
            run(kafka, "exactly_once_v2", 256, 5, null, eos / 2, 0, 12);
            run(kafka, "exactly_once_v2", 256, 5, "20", eos / 2, 0, 12);
            run(kafka, "exactly_once_v2", 256, 1, "10", eos / 2, 0, 12);
        }
    }

    /**
     * One run on fresh topics: either {@code burst} records produced as fast as possible (returns
     * records/s), or a paced {@code rate} for {@code seconds} (prints latency percentiles).
     */
    static double run(EmbeddedKafka kafka, String guarantee, int batch, long waitMs, String commitMs, double rate,
                      int burst, int seconds) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Pipeline.Topics topics = new Pipeline.Topics("in-" + id, "scores-" + id, "alerts-" + id, "dead-" + id);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensure(admin, List.of(TopicSpec.of(topics.input(), 1), TopicSpec.of(topics.scores(), 1),
                    TopicSpec.of(topics.alerts(), 1), TopicSpec.of(topics.deadLetters(), 1)));
        }
        Map<String, String> c = new HashMap<>();
        String app = "bench-" + id;
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("kafka.application.id", app);
        c.put("kafka.processing.guarantee", guarantee);
        if (System.getProperty("bench.poll.ms") != null) { // how long an idle stream thread blocks in poll
            c.put("kafka.poll.ms", System.getProperty("bench.poll.ms"));
        }
        if (commitMs != null) {
            c.put("kafka.commit.interval.ms", commitMs);
        }
        c.put(VigilConfig.INPUT_TOPICS, topics.input());
        c.put(VigilConfig.SCORES_TOPIC, topics.scores());
        c.put(VigilConfig.ALERTS_TOPIC, topics.alerts());
        c.put(VigilConfig.DEAD_LETTER_TOPIC, topics.deadLetters());
        c.put(VigilConfig.STATE_DIR, Files.createTempDirectory("bench").toString());
        c.put(VigilConfig.HTTP_PORT, "0");
        c.put(VigilConfig.BATCH_MAX_RECORDS, String.valueOf(batch));
        c.put(VigilConfig.BATCH_MAX_WAIT_MS, String.valueOf(waitMs));

        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(9).withMalformedRate(0));
        Map<SourceId, Long> sent = new ConcurrentHashMap<>();
        Map<SourceId, Long> received = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> read(kafka, topics.scores(), guarantee.equals("exactly_once_v2"), received, stop));
        String label = String.format("%s batch=%d wait=%dms commit=%s poll=%s", guarantee, batch, waitMs,
                commitMs == null ? "default" : commitMs + "ms", System.getProperty("bench.poll.ms", "default"));
        c.put(VigilConfig.MODEL_FILE, Pipeline.modelFile(7));
        try (VigilService vigil = new VigilService(VigilConfig.of(c), Pipeline.SPEC);
             KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            vigil.start();
            reader.start();
            // Let Streams join and get its assignment before the clock starts.
            while (vigil.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
                Thread.sleep(20);
            }
            Thread.sleep(1500);
            long begin = System.nanoTime();
            int produced = 0;
            if (burst > 0) {
                for (GeneratedRecord r : generator.next(burst)) {
                    producer.send(r.toProducerRecord(topics.input()));
                }
                producer.flush();
                produced = burst;
            } else {
                long end = begin + Duration.ofSeconds(seconds).toNanos();
                while (System.nanoTime() < end) {
                    long due = (long) ((System.nanoTime() - begin) / 1e9 * rate);
                    while (produced < due) {
                        GeneratedRecord r = generator.next();
                        long t = System.nanoTime();
                        producer.send(r.toProducerRecord(topics.input()), (m, e) -> {
                            if (e == null) {
                                sent.put(new SourceId(m.topic(), m.partition(), m.offset()), t);
                            }
                        });
                        produced++;
                    }
                    LockSupport.parkNanos(100_000);
                }
                producer.flush();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (received.size() < produced && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            double secs = (System.nanoTime() - begin) / 1e9;
            stop.set(true);
            reader.join();
            String changelog = changelogCost(kafka, app + "-vigil-score-buffer-changelog", produced);
            if (burst > 0) {
                double recordsPerSecond = received.size() / secs;
                System.err.printf("THROUGHPUT %s: %d records in %.2f s = %.0f records/s | %s%n", label, received.size(), secs,
                        recordsPerSecond, changelog);
                return recordsPerSecond;
            }
            long[] lat = sent.entrySet().stream().filter(e -> received.containsKey(e.getKey())
                            && e.getValue() - begin > 2_000_000_000L) // the first 2 s are warm-up
                    .mapToLong(e -> received.get(e.getKey()) - e.getValue()).sorted().toArray();
            System.err.printf("LATENCY %s at %.0f records/s: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms (missing %d) | %s%n",
                    label, rate, lat.length, pct(lat, 0.5), pct(lat, 0.99), lat[lat.length - 1] / 1e6,
                    produced - received.size(), changelog);
            return 0;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void read(EmbeddedKafka kafka, String topic, boolean readCommitted, Map<SourceId, Long> received, AtomicBoolean stop) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                    long now = System.nanoTime();
                    try {
                        JsonNode s = JSON.readTree(r.value());
                        received.putIfAbsent(new SourceId(s.get("topic").asText(), s.get("partition").asInt(), s.get("offset").asLong()), now);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }

    /** Records, tombstones and bytes (key + value) the buffer's changelog holds after a run, per input record. */
    private static String changelogCost(EmbeddedKafka kafka, String topic, int inputs) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        long records = 0, tombstones = 0, bytes = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    if (r.value() == null) {
                        tombstones++;
                    }
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
            }
            return String.format("changelog: end offset %d, %d records (%d tombstones), %d key+value bytes = %.3f records and %.1f bytes per input",
                    end, records, tombstones, bytes, (double) records / inputs, (double) bytes / inputs);
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
