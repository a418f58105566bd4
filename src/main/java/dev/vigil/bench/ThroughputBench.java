package dev.vigil.bench;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.ErrorClass;
import dev.vigil.context.ContextTracker;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.Alert;
import dev.vigil.score.BatchScorer;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.Outcome;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.service.StreamsSettings;
import dev.vigil.topology.VigilTopology;
import dev.vigil.train.ModelTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * {@code vigil bench}: throughput of three Kafka Streams applications on the same preloaded data,
 * one after another on one broker, then end-to-end latency of Vigil at a fixed offered rate.
 *
 * <ol>
 *   <li>a pass-through app (parse JSON, forward): the ceiling;</li>
 *   <li>Vigil's topology with the VAE ({@link VaeBatchScorer}) trained on generated normal data;</li>
 *   <li>the same topology with Random Cut Forest ({@link RcfBatchScorer}) in the VAE's place.</li>
 * </ol>
 *
 * Each run has a fresh application id and reads the input topic from the beginning. Its records/s
 * is the input size divided by the time from the Streams client turning RUNNING to the broker's
 * append time of the last output record (output topics use {@code LogAppendTime}; broker and
 * benchmark share the clock). A discarded warm-up runs the first two apps over a smaller topic
 * first, so the JIT has compiled the shared client and Streams code before anything is measured.
 *
 * <p>Latency: a producer offers records at a fixed rate; a consumer on the scores topic matches
 * each score to its input by offset. Latency is from just before {@code send} to the consumer
 * receiving the score, so it includes producer batching, both broker hops, the micro-batch wait,
 * scoring and the Streams producer's linger. The first second is left out (consumer and fetch
 * sessions settling).
 */
public final class ThroughputBench {

    /**
     * @param records         input records for each throughput run
     * @param warmupRecords   records of the discarded warm-up (0 = none)
     * @param trainRecords    generated normal records the VAE and RCF are trained on
     * @param latencyRate     offered records/s for the latency run; 0 = half of Vigil's measured maximum
     * @param latencyDuration how long to offer records for the latency run
     * @param guarantee       {@code at_least_once} or {@code exactly_once_v2}, for every run
     * @param seed            seeds the data, the VAE and the forest
     * @param settings        extra {@code vigil.*} / {@code kafka.*} settings for every run
     */
    public record Options(int records, int warmupRecords, int trainRecords, double latencyRate, Duration latencyDuration,
                          String guarantee, long seed, Map<String, String> settings, boolean context) {
        public Options {
            if (records < 1 || warmupRecords < 0 || trainRecords <= 2 * RcfBatchScorer.SAMPLE_SIZE + 600) {
                throw new IllegalArgumentException("records must be >= 1, warmupRecords >= 0, trainRecords > "
                        + (2 * RcfBatchScorer.SAMPLE_SIZE + 600));
            }
            if (!(latencyRate >= 0) || latencyDuration.isNegative() || latencyDuration.isZero()) {
                throw new IllegalArgumentException("latencyRate must be >= 0 and latencyDuration positive");
            }
            if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
                throw new IllegalArgumentException("guarantee must be at_least_once or exactly_once_v2, got " + guarantee);
            }
            settings = Map.copyOf(settings);
        }
    }

    /** One throughput run: records/s and, for Vigil's topology, the share of its time spent in {@code BatchScorer.score}. */
    public record Run(String name, long records, double seconds, double recordsPerSecond, double scoreShare) {
    }

    /**
     * What the micro-batch buffer's changelog took for one run: records that left the store's cache
     * and their key plus value bytes. The buffer overwrites slots, so the cache folds all writes to a
     * slot within one commit interval into one: at most {@code max.records + 1} per commit.
     */
    public record BufferCost(long changelogRecords, long changelogBytes) {
    }

    /** Everything {@code vigil bench} reports. */
    public record Result(long records, String guarantee, Run passThrough, Run vigil, Run rcf, double latencyRate,
                         long latencySamples, long latencyMissing, double latencyP50Ms, double latencyP99Ms,
                         double latencyMaxMs, StageProfile.Costs stages, BufferCost bufferCost, boolean context) {

        public double ratioVsPassThrough() {
            return vigil.recordsPerSecond() / passThrough.recordsPerSecond();
        }

        public double ratioVsRcf() {
            return vigil.recordsPerSecond() / rcf.recordsPerSecond();
        }

        /** The flat JSON object of {@code --format json}. */
        public Map<String, Object> flat() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("passthrough_rps", round(passThrough.recordsPerSecond()));
            m.put("vigil_rps", round(vigil.recordsPerSecond()));
            m.put("rcf_rps", round(rcf.recordsPerSecond()));
            m.put("ratio_vs_passthrough", round3(ratioVsPassThrough()));
            m.put("ratio_vs_rcf", round3(ratioVsRcf()));
            m.put("latency_p50_ms", round3(latencyP50Ms));
            m.put("latency_p99_ms", round3(latencyP99Ms));
            m.put("latency_max_ms", round3(latencyMaxMs));
            m.put("latency_rate", round(latencyRate));
            m.put("latency_samples", latencySamples);
            m.put("latency_missing", latencyMissing);
            m.put("records", records);
            m.put("guarantee", guarantee);
            m.put("context", context);
            m.put("vigil_score_share", round3(vigil.scoreShare()));
            m.put("rcf_score_share", round3(rcf.scoreShare()));
            m.put("buffer_changelog_records_per_input", round3((double) bufferCost.changelogRecords() / records));
            m.put("buffer_changelog_bytes_per_input", round3((double) bufferCost.changelogBytes() / records));
            m.putAll(stages.flat());
            return m;
        }

        static double round(double v) {
            return Math.round(v * 10) / 10.0;
        }

        static double round3(double v) {
            return Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0;
        }
    }

    private static final String INPUT = "bench-input";
    private static final String WARMUP_INPUT = "bench-warmup-input";
    private static final String LATENCY_INPUT = "bench-latency-input";
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private final String bootstrap;
    private final Options options;
    private final Map<String, String> environment;
    private final PrintStream status;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private int runs;

    /** {@code environment}: {@code VIGIL_*} / {@code KAFKA_*} variables applied under the options' settings. */
    public ThroughputBench(String bootstrapServers, Options options, Map<String, String> environment, PrintStream status) {
        this.bootstrap = bootstrapServers;
        this.options = options;
        this.environment = environment;
        this.status = status;
    }

    public Result run() throws InterruptedException {
        FeatureSpec spec = options.context() ? MetricsGenerator.spec().withContext(ContextSettings.defaults()) : MetricsGenerator.spec();
        VigilSettings base = VigilSettings.from(config(INPUT, "bench-scores", Path.of("unused")));
        ensure(List.of(TopicSpec.of(topic(INPUT), 1), TopicSpec.of(topic(WARMUP_INPUT), 1), TopicSpec.of(topic(LATENCY_INPUT), 1)));
        status.printf("bench: preloading %,d records (seed %d) ...%n", options.records(), options.seed());
        preload(topic(INPUT), options.records(), options.seed());
        if (options.warmupRecords() > 0) {
            preload(topic(WARMUP_INPUT), options.warmupRecords(), options.seed() + 1);
        }

        status.printf("bench: training the VAE on %,d generated normal records ...%n", options.trainRecords());
        double[][] training = new MetricsGenerator(options.seed() + 2, 0).rows(options.trainRecords());
        if (spec.hasContext()) {
            // The generator's hosts take turns, record i is host i mod HOSTS: the rows the stream's context gives.
            String[] hosts = new String[training.length];
            MetricsGenerator order = new MetricsGenerator(options.seed() + 2, 0);
            for (int i = 0; i < hosts.length; i++) {
                hosts[i] = order.nextHost();
                order.nextValue();
            }
            training = new ContextTracker(spec).enrich(training, hosts);
        }
        // Trained as the service trains, but seeded by the bench's --seed; scored as the service scores.
        ModelBundle bundle = ModelTrainer.train(spec, training, base.training().vae(spec).withSeed(options.seed()),
                base.training().calibration(), (e, t, v, s) -> { }).bundle().withVersion(1);
        AlertPolicy policy = base.alerts().policy();
        int threads = base.scoring().threads();

        if (options.warmupRecords() > 0) {
            status.printf("bench: warm-up (discarded) on %,d records ...%n", options.warmupRecords());
            passThrough(WARMUP_INPUT, options.warmupRecords());
            vigil("vigil", WARMUP_INPUT, options.warmupRecords(), spec, VaeBatchScorer.open(bundle, policy, threads));
        }
        Run pass = passThrough(INPUT, options.records());
        Run vigil = vigil("vigil", INPUT, options.records(), spec, VaeBatchScorer.open(bundle, policy, threads));
        BufferCost bufferCost = bufferCost(applicationId("vigil", runs));
        Run rcf = vigil("rcf", INPUT, options.records(), spec,
                RcfBatchScorer.train(spec.modelInput(), training, base.training().calibration().targetFpr(), options.seed()));
        Run rcfNamed = new Run("rcf", rcf.records(), rcf.seconds(), rcf.recordsPerSecond(), rcf.scoreShare());

        double rate = options.latencyRate() > 0 ? options.latencyRate() : vigil.recordsPerSecond() / 2;
        LatencyRun latency = latency(spec, VaeBatchScorer.open(bundle, policy, threads), rate);

        status.println("bench: profiling the stages of Vigil's per-record work in isolation ...");
        StageProfile.Costs stages = StageProfile.measure(spec, bundle, base, options.seed());
        return new Result(options.records(), options.guarantee(), pass, vigil, rcfNamed, rate, latency.samples.size(),
                latency.missing, latency.samples.percentileMs(0.5), latency.samples.percentileMs(0.99),
                latency.samples.percentileMs(1.0), stages, bufferCost, spec.hasContext());
    }

    /** Reads the score buffer's changelog of the Kafka Streams application {@code applicationId} from start to end. */
    private BufferCost bufferCost(String applicationId) {
        String changelog = applicationId + "-" + VigilTopology.Names.SCORE_BUFFER_STORE + "-changelog";
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        long records = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(changelog).stream()
                    .map(info -> new TopicPartition(changelog, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
            }
        }
        return new BufferCost(records, bytes);
    }

    /** The application id of run number {@code run} of the Vigil topology with scorer {@code name}. */
    private String applicationId(String name, int run) {
        return "bench-" + name + "-" + runId + "-" + run;
    }

    private Run passThrough(String input, long expected) throws InterruptedException {
        String output = topic("bench-passthrough-out-" + (++runs));
        ensure(List.of(TopicSpec.of(output, 1).withConfig("message.timestamp.type", "LogAppendTime")));
        Path state = tempDir();
        try {
            Properties props = StreamsSettings.of(config(input, output, state));
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-passthrough-" + runId + "-" + runs);
            AtomicLong processed = new AtomicLong();
            return measure("passthrough", PassThroughTopology.build(topic(input), output, processed), props, processed,
                    new AtomicLong(), output, expected);
        } finally {
            deleteRecursively(state);
        }
    }

    /** The full topology with {@code scorer} as its model; {@code name} labels the run ({@code vigil} or {@code rcf}). */
    private Run vigil(String name, String input, long expected, FeatureSpec spec, BatchScorer scorer) throws InterruptedException {
        String output = topic("bench-" + name + "-scores-" + (++runs));
        ensure(List.of(TopicSpec.of(output, 1).withConfig("message.timestamp.type", "LogAppendTime"),
                TopicSpec.of(output + "-alerts", 1), TopicSpec.of(output + "-dead-letters", 1), TopicSpec.of(output + "-models", 1)));
        Path state = tempDir();
        try (ModelHolder models = new ModelHolder()) {
            models.swap(scorer);
            VigilConfig config = config(input, output, state);
            Properties props = StreamsSettings.of(config);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(name, runs));
            AtomicLong processed = new AtomicLong();
            AtomicLong scoreNanos = new AtomicLong();
            Topology topology = VigilTopology.build(VigilSettings.from(config), spec, models, counting(processed, scoreNanos));
            return measure(name, topology, props, processed, scoreNanos, output, expected);
        } finally {
            deleteRecursively(state);
        }
    }

    private Run measure(String name, Topology topology, Properties props, AtomicLong processed, AtomicLong scoreNanos,
                        String output, long expected) throws InterruptedException {
        AtomicLong runningAt = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        status.printf("bench: %s on %,d records ...%n", name, expected);
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.setStateListener((next, previous) -> {
                if (next == KafkaStreams.State.RUNNING) {
                    runningAt.compareAndSet(0, System.currentTimeMillis());
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                failure.set(e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            long begin = System.nanoTime();
            long nextStatus = begin + Duration.ofSeconds(10).toNanos();
            // Generous: RCF runs at a few thousand records/s on this kind of machine.
            long deadline = begin + Duration.ofSeconds(120).toNanos() + expected * 1_000_000L;
            while (processed.get() < expected) {
                if (failure.get() != null) {
                    throw new IllegalStateException(name + " run failed: " + failure.get(), failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " run timed out after " + processed.get() + " of " + expected + " records");
                }
                if (System.nanoTime() > nextStatus) {
                    nextStatus += Duration.ofSeconds(10).toNanos();
                    status.printf("bench: %s: %,d of %,d records%n", name, processed.get(), expected);
                }
                Thread.sleep(20);
            }
            long lastAppend = lastAppendTime(output, expected);
            double seconds = (lastAppend - runningAt.get()) / 1000.0;
            double rps = expected / seconds;
            double share = scoreNanos.get() / 1e9 / seconds;
            status.printf("bench: %s: %,d records in %.2f s = %,.0f records/s%n", name, expected, seconds, rps);
            streams.close(Duration.ofSeconds(60));
            return new Run(name, expected, seconds, rps, share);
        }
    }

    /** Reads the whole output topic (committed records only) and returns the newest append time; fails if records are missing. */
    private long lastAppendTime(String output, long expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        TopicPartition tp = new TopicPartition(output, 0);
        long count = 0;
        long newest = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (count < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(output + " holds " + count + " records, expected " + expected);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    count++;
                    newest = Math.max(newest, r.timestamp());
                }
            }
        }
        return newest;
    }

    private record LatencyRun(Latencies samples, long missing) {
    }

    private LatencyRun latency(FeatureSpec spec, BatchScorer scorer, double rate) throws InterruptedException {
        String output = topic("bench-latency-scores-" + (++runs));
        ensure(List.of(TopicSpec.of(output, 1), TopicSpec.of(output + "-alerts", 1), TopicSpec.of(output + "-dead-letters", 1), TopicSpec.of(output + "-models", 1)));
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.ceil(rate * options.latencyDuration().toMillis() / 1000.0) + 1024);
        long[] sentAt = new long[capacity];
        AtomicLong offsetMismatches = new AtomicLong();
        Path state = tempDir();
        status.printf("bench: latency at %,.0f records/s for %d s ...%n", rate, options.latencyDuration().toSeconds());
        try (ModelHolder models = new ModelHolder()) {
            models.swap(scorer);
            VigilConfig config = config(LATENCY_INPUT, output, state);
            Properties props = StreamsSettings.of(config);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-latency-" + runId);
            AtomicLong processed = new AtomicLong();
            try (KafkaStreams streams = new KafkaStreams(VigilTopology.build(VigilSettings.from(config), spec, models,
                    counting(processed, new AtomicLong())), props)) {
                streams.start();
                long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < waitUntil) {
                    Thread.sleep(20);
                }
                ScoreConsumer consumer = new ScoreConsumer(output, sentAt);
                Thread consumerThread = new Thread(consumer, "bench-latency-consumer");
                consumerThread.start();
                long sent = produceAtRate(rate, sentAt, offsetMismatches);
                long drainUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (consumer.received() < sent && System.nanoTime() < drainUntil) {
                    Thread.sleep(20);
                }
                consumer.stop();
                consumerThread.join(10_000);
                if (offsetMismatches.get() > 0) {
                    status.printf("bench: %d records did not land at the expected offset; their latency is unreliable%n", offsetMismatches.get());
                }
                long settle = (long) (rate * SETTLE.toMillis() / 1000.0);
                Latencies kept = consumer.latencies(settle);
                status.printf("bench: latency p50 %.2f ms, p99 %.2f ms, max %.2f ms over %,d records%n",
                        kept.percentileMs(0.5), kept.percentileMs(0.99), kept.percentileMs(1.0), kept.size());
                streams.close(Duration.ofSeconds(60));
                return new LatencyRun(kept, sent - consumer.received());
            }
        } finally {
            deleteRecursively(state);
        }
    }

    /** Sends at {@code rate} records/s; {@code sentAt[i]} is the nanoTime just before record i was handed to the producer. */
    private long produceAtRate(double rate, long[] sentAt, AtomicLong offsetMismatches) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        MetricsGenerator generator = new MetricsGenerator(options.seed() + 3, 0.001);
        String topic = topic(LATENCY_INPUT);
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long begin = System.nanoTime();
            long end = begin + options.latencyDuration().toNanos();
            while (System.nanoTime() < end && sent < sentAt.length) {
                long due = Math.min(sentAt.length, (long) ((System.nanoTime() - begin) / 1e9 * rate));
                if (sent >= due) {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                while (sent < due) {
                    byte[] key = generator.nextHost().getBytes(StandardCharsets.UTF_8);
                    byte[] value = generator.nextValue();
                    long index = sent;
                    sentAt[(int) index] = System.nanoTime();
                    producer.send(new ProducerRecord<>(topic, 0, System.currentTimeMillis(), key, value), (meta, error) -> {
                        if (error != null || meta.offset() != index) {
                            offsetMismatches.incrementAndGet();
                        }
                    });
                    sent++;
                }
            }
            producer.flush();
        }
        return sent;
    }

    /** Reads the scores topic as soon as records arrive and records each score's latency by its input offset. */
    private final class ScoreConsumer implements Runnable {
        private final String topic;
        private final long[] sentAt;
        private final long[] latency;
        private volatile boolean running = true;
        private final AtomicLong received = new AtomicLong();

        ScoreConsumer(String topic, long[] sentAt) {
            this.topic = topic;
            this.sentAt = sentAt;
            this.latency = new long[sentAt.length];
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
            TopicPartition tp = new TopicPartition(topic, 0);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                        long now = System.nanoTime();
                        long offset = sourceOffset(r.value());
                        if (offset >= 0 && offset < sentAt.length && sentAt[(int) offset] != 0 && latency[(int) offset] == 0) {
                            latency[(int) offset] = Math.max(1, now - sentAt[(int) offset]);
                            received.incrementAndGet();
                        }
                    }
                }
            }
        }

        long received() {
            return received.get();
        }

        void stop() {
            running = false;
        }

        /** Latencies of the records after the first {@code skip}. */
        Latencies latencies(long skip) {
            Latencies out = new Latencies();
            for (int i = (int) Math.min(skip, latency.length); i < latency.length; i++) {
                if (latency[i] > 0) {
                    out.add(latency[i]);
                }
            }
            return out;
        }
    }

    private static final byte[] OFFSET_FIELD = "\"offset\":".getBytes(StandardCharsets.UTF_8);

    /** The {@code offset} field of a score record, found without a full JSON parse (the consumer must keep up); -1 if absent. */
    static long sourceOffset(byte[] json) {
        outer:
        for (int i = 0; i + OFFSET_FIELD.length < json.length; i++) {
            for (int k = 0; k < OFFSET_FIELD.length; k++) {
                if (json[i + k] != OFFSET_FIELD[k]) {
                    continue outer;
                }
            }
            long v = 0;
            int j = i + OFFSET_FIELD.length;
            if (j >= json.length || json[j] < '0' || json[j] > '9') {
                return -1;
            }
            while (j < json.length && json[j] >= '0' && json[j] <= '9') {
                v = v * 10 + (json[j++] - '0');
            }
            return v;
        }
        return -1;
    }

    private void preload(String topic, long count, long seed) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        MetricsGenerator generator = new MetricsGenerator(seed, 0.001);
        AtomicReference<Exception> error = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < count; i++) {
                byte[] key = generator.nextHost().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, 0, null, key, generator.nextValue()), (meta, e) -> {
                    if (e != null) {
                        error.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (error.get() != null) {
            throw new IllegalStateException("could not preload " + topic + ": " + error.get().getMessage(), error.get());
        }
    }

    private static VigilTopology.Listener counting(AtomicLong processed, AtomicLong scoreNanos) {
        return new VigilTopology.Listener() {
            @Override
            public void deadLetter(String sourceTopic, ErrorClass errorClass) {
                processed.incrementAndGet();
            }

            @Override
            public void batchScored(int size, long nanos) {
                scoreNanos.addAndGet(nanos);
            }

            @Override
            public void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
                processed.incrementAndGet();
            }

            @Override
            public void alerted(Alert alert) {
            }

            @Override
            public void folded(Alert alert) {
            }

            @Override
            public void windowSize(long records) {
            }

            @Override
            public void trainingFinished(dev.vigil.train.Retrainer.Outcome outcome) {
            }

            @Override
            public void shiftDetected() {
            }

            @Override
            public void shiftSettled() {
            }

            @Override
            public void entitiesHeld(String task, long entities) {
            }
        };
    }

    private VigilConfig config(String input, String scores, Path state) {
        Map<String, String> overrides = new HashMap<>(options.settings());
        overrides.put("kafka.bootstrap.servers", bootstrap);
        overrides.put("kafka." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG, options.guarantee());
        overrides.put(VigilConfig.INPUT_TOPICS, topic(input));
        overrides.put(VigilConfig.SCORES_TOPIC, scores);
        overrides.put(VigilConfig.ALERTS_TOPIC, scores + "-alerts");
        overrides.put(VigilConfig.DEAD_LETTER_TOPIC, scores + "-dead-letters");
        // The model under test is swapped in directly: no retraining, and an empty models topic of its own.
        overrides.put(VigilConfig.TRAIN_ENABLED, "false");
        overrides.put(VigilConfig.MODELS_TOPIC, scores + "-models");
        overrides.put(VigilConfig.STATE_DIR, state.toString());
        // One input partition: every host's records are in one task already, no repartition topic needed.
        overrides.putIfAbsent(VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY, "true");
        return VigilConfig.load(null, environment, overrides);
    }

    /** Topic names carry the run id, so a bench against a long-lived broker never reads an older run's data. */
    private String topic(String name) {
        return name.startsWith("bench-") && !name.contains(runId) ? name + "-" + runId : name;
    }

    private void ensure(List<TopicSpec> topics) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Topics.ensure(admin, new ArrayList<>(topics));
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("vigil-bench-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir
        }
    }
}
