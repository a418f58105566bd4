package dev.vigil.bench;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.context.ContextTracker;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.BatchScorer;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.service.HeldCommits;
import dev.vigil.service.StreamsSettings;
import dev.vigil.topology.VigilTopology;
import dev.vigil.train.ModelTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
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
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * {@code vigil bench}: throughput of three Kafka Streams applications on the same preloaded data,
 * one after another on one broker, then end-to-end latency of the pass-through and of Vigil at a fixed
 * offered rate (and, for {@code --latency-curve}, at several), with the parts of Vigil's latency.
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
 * <p>Latency: a producer offers records at a fixed rate to a fresh input topic, each stamped with
 * its index (its offset) in a header; a consumer on the output topic matches each output to its
 * input, by the score's {@code offset} field for Vigil and by the header, which the pass-through
 * carries through, for the pass-through. Latency is from just before {@code send} to the consumer
 * receiving the output, so it includes producer batching, both broker hops, the micro-batch wait,
 * scoring, the Streams producer's linger and, under {@code exactly_once_v2}, the wait for the commit
 * (the consumer reads committed records only). The first second is left out (consumer and fetch
 * sessions settling). Both applications get the same Kafka Streams properties
 * ({@link StreamsSettings}), and each rate gets a fresh application of each, so Kafka's windowed
 * metrics of a run describe that run alone (its settling second included).
 */
public final class ThroughputBench {

    /**
     * @param records         input records for each throughput run
     * @param warmupRecords   records of the discarded warm-up (0 = none)
     * @param trainRecords    generated normal records the VAE and RCF are trained on
     * @param latencyRate     offered records/s for the latency runs; 0 = half of the pass-through's measured maximum
     * @param latencyDuration how long to offer records in each latency run
     * @param curveRates      further rates (records/s, each >= 1) to measure latency at; empty = the one rate only
     * @param guarantee       {@code at_least_once} or {@code exactly_once_v2}, for every run
     * @param seed            seeds the data, the VAE and the forest
     * @param settings        extra {@code vigil.*} / {@code kafka.*} settings for every run
     * @param context         whether the spec has context features
     * @param rounds          throughput rounds, each a pass-through run then a Vigil run on the same input; each app's
     *                        median round is reported, so one disturbed run (JIT, GC, a neighbour) does not set the ratio
     */
    public record Options(int records, int warmupRecords, int trainRecords, double latencyRate, Duration latencyDuration,
                          List<Double> curveRates, String guarantee, long seed, Map<String, String> settings, boolean context,
                          int rounds) {
        public Options {
            if (records < 1 || warmupRecords < 0 || rounds < 1 || trainRecords <= 2 * RcfBatchScorer.SAMPLE_SIZE + 600) {
                throw new IllegalArgumentException("records must be >= 1, warmupRecords >= 0, rounds >= 1, trainRecords > "
                        + (2 * RcfBatchScorer.SAMPLE_SIZE + 600));
            }
            if (!(latencyRate >= 0) || latencyDuration.isNegative() || latencyDuration.isZero()) {
                throw new IllegalArgumentException("latencyRate must be >= 0 and latencyDuration positive");
            }
            if (curveRates.stream().anyMatch(r -> !(r >= 1) || Double.isInfinite(r))) {
                throw new IllegalArgumentException("curve rates must be finite and >= 1 record/s, got " + curveRates);
            }
            curveRates = List.copyOf(curveRates);
            if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
                throw new IllegalArgumentException("guarantee must be at_least_once or exactly_once_v2, got " + guarantee);
            }
            settings = Map.copyOf(settings);
        }
    }

    /**
     * One throughput run: records/s and, for Vigil's topology, the share of its time spent in {@code BatchScorer.score}.
     * {@code cpuMicrosPerRecord}: this process's CPU time over the run per record (the embedded broker's included,
     * so on a machine whose cores the run keeps busy it is what sets the records/s); {@code coresBusy}: that CPU time
     * over the run's wall time; {@code outputBytesPerRecord}: key and value bytes of the main output topic per record.
     */
    public record Run(String name, long records, double seconds, double recordsPerSecond, double scoreShare,
                      double cpuMicrosPerRecord, double coresBusy, double outputBytesPerRecord) {
    }

    /**
     * What the micro-batch buffer's changelog took for one run: records that left the store's cache
     * and their key plus value bytes. The buffer overwrites slots, so the cache folds all writes to a
     * slot within one commit interval into one: at most {@code max.records + 1} per commit. Zero under
     * at_least_once, whose commits stop at the oldest unscored record instead of storing the buffer.
     */
    public record BufferCost(long changelogRecords, long changelogBytes) {
    }

    /** The rates of {@code --latency-curve} unless {@code --latency-rates} says otherwise; half the maximum is added. */
    public static final List<Double> DEFAULT_CURVE_RATES = List.of(1_000.0, 5_000.0, 10_000.0);

    /**
     * Everything {@code vigil bench} reports. {@code latency} is the point at the one rate ({@code latency_rate});
     * {@code curve} holds every point of {@code --latency-curve}, ascending by rate and that one included, and is empty
     * without it. {@code kafka}: the latency-shaping settings every run had. {@code passThrough} and {@code vigil} are
     * each app's median round of {@code passThroughRounds} and {@code vigilRounds}.
     */
    public record Result(long records, String guarantee, Run passThrough, Run vigil, Run rcf, LatencyPoint latency,
                         List<LatencyPoint> curve, LatencySettings kafka, StageProfile.Costs stages, BufferCost bufferCost,
                         boolean context, List<Run> passThroughRounds, List<Run> vigilRounds) {

        public double ratioVsPassThrough() {
            return vigil.recordsPerSecond() / passThrough.recordsPerSecond();
        }

        /** What the ratio would be if CPU alone set the pace: steadier than records/s on a shared machine. */
        public double cpuRatioVsPassThrough() {
            return passThrough.cpuMicrosPerRecord() / vigil.cpuMicrosPerRecord();
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
            m.put("latency_p50_ms", round3(latency.vigil().p50Ms()));
            m.put("latency_p99_ms", round3(latency.vigil().p99Ms()));
            m.put("latency_max_ms", round3(latency.vigil().maxMs()));
            m.put("latency_rate", round(latency.rate()));
            m.put("latency_samples", latency.vigil().samples());
            m.put("latency_missing", latency.vigil().missing());
            m.put("records", records);
            m.put("guarantee", guarantee);
            m.put("context", context);
            m.put("vigil_score_share", round3(vigil.scoreShare()));
            m.put("rcf_score_share", round3(rcf.scoreShare()));
            m.put("buffer_changelog_records_per_input", round3((double) bufferCost.changelogRecords() / records));
            m.put("buffer_changelog_bytes_per_input", round3((double) bufferCost.changelogBytes() / records));
            m.putAll(stages.flat());
            for (Run run : List.of(passThrough, vigil, rcf)) {
                m.put(run.name() + "_cpu_us_per_record", round3(run.cpuMicrosPerRecord()));
                m.put(run.name() + "_cores_busy", round3(run.coresBusy()));
                m.put(run.name() + "_output_bytes_per_record", round(run.outputBytesPerRecord()));
            }
            m.put("cpu_ratio_vs_passthrough", round3(cpuRatioVsPassThrough()));
            m.put("cpu_cores", Runtime.getRuntime().availableProcessors());
            m.put("rounds", passThroughRounds.size());
            m.put("passthrough_rps_rounds", rounds(passThroughRounds));
            m.put("vigil_rps_rounds", rounds(vigilRounds));
            // Puts the latency_* keys above again, unchanged and in place, and adds the pass-through's and the parts.
            latency.putInto(m, "");
            kafka.putInto(m);
            m.put("latency_curve", !curve.isEmpty());
            if (!curve.isEmpty()) {
                m.put("curve_rates", curve.stream().map(p -> Long.toString(rateKey(p.rate()))).collect(Collectors.joining(",")));
                for (LatencyPoint point : curve) {
                    point.putInto(m, "curve_" + rateKey(point.rate()) + "_");
                }
            }
            return m;
        }

        /** Each round's records/s in the order run, comma-separated. */
        public static String rounds(List<Run> runs) {
            return runs.stream().map(r -> Long.toString(Math.round(r.recordsPerSecond()))).collect(Collectors.joining(","));
        }

        /** A curve point's rate as it appears in its keys ({@code curve_5000_latency_p99_ms}). */
        static long rateKey(double rate) {
            return Math.round(rate);
        }

        static double round(double v) {
            return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
        }

        static double round3(double v) {
            return Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0;
        }
    }

    private static final String INPUT = "bench-input";
    private static final String WARMUP_INPUT = "bench-warmup-input";
    /** Header of each latency input record: its index, i.e. its offset, as 8 big-endian bytes. */
    static final String INDEX_HEADER = "vigil-bench-index";
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
        ensure(List.of(TopicSpec.of(topic(INPUT), 1), TopicSpec.of(topic(WARMUP_INPUT), 1)));
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
        // Every Vigil run gets a scorer of its own, opened as the service opens one.
        Supplier<BatchScorer> vae = () -> VaeBatchScorer.open(bundle, policy, threads);

        if (options.warmupRecords() > 0) {
            status.printf("bench: warm-up (discarded) on %,d records ...%n", options.warmupRecords());
            passThrough(WARMUP_INPUT, options.warmupRecords());
            vigil("vigil", WARMUP_INPUT, options.warmupRecords(), spec, vae.get());
        }
        List<Run> passRounds = new ArrayList<>();
        List<Run> vigilRounds = new ArrayList<>();
        for (int round = 0; round < options.rounds(); round++) {
            passRounds.add(passThrough(INPUT, options.records()));
            vigilRounds.add(vigil("vigil", INPUT, options.records(), spec, vae.get()));
        }
        BufferCost bufferCost = bufferCost(applicationId("vigil", runs));
        Run pass = median(passRounds);
        Run vigil = median(vigilRounds);
        Run rcf = vigil("rcf", INPUT, options.records(), spec,
                RcfBatchScorer.train(spec.modelInput(), training, base.training().calibration().targetFpr(), options.seed()));

        double rate = latencyRate(options.latencyRate(), pass);
        status.printf("bench: latency runs at %,.0f records/s%s%s ...%n", rate,
                options.latencyRate() > 0 ? "" : " (half the pass-through's maximum)",
                options.curveRates().isEmpty() ? "" : " and at " + options.curveRates());
        if (options.warmupRecords() > 0) {
            // One JVM holds the broker, both apps and the load generator. The JIT was still compiling the
            // live-produce paths (broker and clients) through the first latency run, with a third of a core,
            // so that run measured the warm-up as much as the app. A production service runs warm.
            status.println("bench: latency warm-up (discarded) ...");
            latencyPoint(spec, vae, rate);
        }
        List<LatencyPoint> points = new ArrayList<>();
        LatencyPoint atRate = null;
        for (double r : latencyRates(rate, options.curveRates())) {
            LatencyPoint point = latencyPoint(spec, vae, r);
            points.add(point);
            if (r == rate) {
                atRate = point;
            }
        }
        LatencySettings kafka = LatencySettings.of(StreamsSettings.of(config(INPUT, "bench-scores", Path.of("unused"))), base.scoring());

        status.println("bench: profiling the stages of Vigil's per-record work in isolation ...");
        StageProfile.Costs stages = StageProfile.measure(spec, bundle, base, options.seed(), options.records());
        return new Result(options.records(), options.guarantee(), pass, vigil, rcf, atRate,
                options.curveRates().isEmpty() ? List.of() : points, kafka, stages, bufferCost, spec.hasContext(),
                passRounds, vigilRounds);
    }

    /** The run with the median records/s (the lower of the two middle ones for an even count). */
    static Run median(List<Run> rounds) {
        List<Run> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingDouble(Run::recordsPerSecond));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * The offered rate of the latency runs: the one asked for (> 0), else half the pass-through's records/s in this
     * run, so that a slower Vigil does not get an easier rate.
     */
    static double latencyRate(double requested, Run passThrough) {
        return requested > 0 ? requested : passThrough.recordsPerSecond() / 2;
    }

    /**
     * The rates to measure latency at, ascending: {@code rate} and those of the curve. Rates that round to the same
     * records/s are measured once, as {@code rate} if it is one of them.
     */
    static List<Double> latencyRates(double rate, List<Double> curveRates) {
        TreeMap<Long, Double> byKey = new TreeMap<>();
        for (double r : curveRates) {
            byKey.putIfAbsent(Result.rateKey(r), r);
        }
        byKey.put(Result.rateKey(rate), rate);
        return List.copyOf(byKey.values());
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
            return measure("passthrough", PassThroughTopology.build(topic(input), output, processed), props, null, processed,
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
            BenchListener listener = new BenchListener(false);
            UnscoredOffsets unscored = HeldCommits.unscoredOffsets(props);
            Topology topology = VigilTopology.build(VigilSettings.from(config), spec, models, listener, unscored);
            return measure(name, topology, props, unscored, listener.processed(), listener.scoreNanos(), output, expected);
        } finally {
            deleteRecursively(state);
        }
    }

    private Run measure(String name, Topology topology, Properties props, UnscoredOffsets unscored, AtomicLong processed,
                        AtomicLong scoreNanos, String output, long expected) throws InterruptedException {
        AtomicLong runningAt = new AtomicLong();
        AtomicLong cpuAtRunning = new AtomicLong();
        AtomicLong nanosAtRunning = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        status.printf("bench: %s on %,d records ...%n", name, expected);
        try (KafkaStreams streams = HeldCommits.streams(topology, props, unscored)) {
            streams.setStateListener((next, previous) -> {
                if (next == KafkaStreams.State.RUNNING && runningAt.compareAndSet(0, System.currentTimeMillis())) {
                    // From here on, as the records/s: the start (group join, restoring state) is not a per-record cost.
                    cpuAtRunning.set(processCpuNanos());
                    nanosAtRunning.set(System.nanoTime());
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
            long cpuNanos = processCpuNanos() - cpuAtRunning.get();
            long wallNanos = System.nanoTime() - nanosAtRunning.get();
            Output out = readOutput(output, expected);
            double seconds = (out.newestAppendTime() - runningAt.get()) / 1000.0;
            double rps = expected / seconds;
            double share = scoreNanos.get() / 1e9 / seconds;
            boolean cpuKnown = cpuAtRunning.get() >= 0 && cpuNanos >= 0;
            double cpuMicros = cpuKnown ? cpuNanos / 1e3 / expected : Double.NaN;
            double cores = cpuKnown ? (double) cpuNanos / wallNanos : Double.NaN;
            status.printf("bench: %s: %,d records in %.2f s = %,.0f records/s (%.1f us of CPU a record, %.2f cores busy)%n",
                    name, expected, seconds, rps, cpuMicros, cores);
            streams.close(Duration.ofSeconds(60));
            return new Run(name, expected, seconds, rps, share, cpuMicros, cores, (double) out.bytes() / expected);
        }
    }

    /** This process's CPU time in ns (all its threads, native ones included), or -1 where the JVM cannot tell. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** What a run wrote to its main output topic: the newest append time and the key plus value bytes. */
    private record Output(long newestAppendTime, long bytes) {
    }

    /** Reads the whole output topic (committed records only): its newest append time and its bytes; fails if records are missing. */
    private Output readOutput(String output, long expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        TopicPartition tp = new TopicPartition(output, 0);
        long count = 0;
        long newest = 0;
        long bytes = 0;
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
                    bytes += Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
                }
            }
        }
        return new Output(newest, bytes);
    }

    /** Latency at {@code rate}: the pass-through first, then Vigil, each a fresh application on a fresh input topic. */
    private LatencyPoint latencyPoint(FeatureSpec spec, Supplier<BatchScorer> scorer, double rate) throws InterruptedException {
        int run = ++runs;
        String passInput = topic("bench-latency-passthrough-input-" + run);
        String passOutput = topic("bench-latency-passthrough-out-" + run);
        ensure(List.of(TopicSpec.of(passInput, 1), TopicSpec.of(passOutput, 1)));
        LatencyPoint.App pass;
        Path state = tempDir();
        try {
            Properties props = StreamsSettings.of(config(passInput, passOutput, state));
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-latency-passthrough-" + runId + "-" + run);
            pass = offer("pass-through", PassThroughTopology.build(passInput, passOutput, new AtomicLong()), props, null,
                    passInput, passOutput, rate, ThroughputBench::stampedIndex, () -> { });
        } finally {
            deleteRecursively(state);
        }

        String input = topic("bench-latency-input-" + run);
        String output = topic("bench-latency-scores-" + run);
        ensure(List.of(TopicSpec.of(input, 1), TopicSpec.of(output, 1), TopicSpec.of(output + "-alerts", 1),
                TopicSpec.of(output + "-dead-letters", 1), TopicSpec.of(output + "-models", 1)));
        state = tempDir();
        try (ModelHolder models = new ModelHolder()) {
            models.swap(scorer.get());
            VigilConfig config = config(input, output, state);
            Properties props = StreamsSettings.of(config);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-latency-" + runId + "-" + run);
            BenchListener listener = new BenchListener(true);
            UnscoredOffsets unscored = HeldCommits.unscoredOffsets(props);
            LatencyPoint.App vigil = offer("vigil", VigilTopology.build(VigilSettings.from(config), spec, models, listener, unscored),
                    props, unscored, input, output, rate, r -> sourceOffset(r.value()), listener::resetTimes);
            LatencyPoint.Scoring scoring = listener.scoring();
            status.printf("bench: vigil: buffer wait p50 %.2f ms, p99 %.2f ms; model call p50 %.2f ms (%.0f records a batch)%n",
                    scoring.bufferWaitP50Ms(), scoring.bufferWaitP99Ms(), scoring.scoreCallP50Ms(), scoring.batchRecordsAvg());
            return new LatencyPoint(rate, pass, vigil, scoring);
        } finally {
            deleteRecursively(state);
        }
    }

    /**
     * Starts {@code topology}, offers records to {@code input} at {@code rate} for the latency duration and times each
     * output on {@code output} back to its input, found by {@code inputOffset}. {@code afterSettle} runs just before the
     * first record whose latency counts is sent.
     */
    private LatencyPoint.App offer(String name, Topology topology, Properties props, UnscoredOffsets unscored, String input,
                                   String output, double rate,
                                   ToLongFunction<ConsumerRecord<byte[], byte[]>> inputOffset, Runnable afterSettle)
            throws InterruptedException {
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.ceil(rate * options.latencyDuration().toMillis() / 1000.0) + 1024);
        long[] sentAt = new long[capacity];
        AtomicLong offsetMismatches = new AtomicLong();
        status.printf("bench: latency of %s at %,.0f records/s for %d s ...%n", name, rate, options.latencyDuration().toSeconds());
        try (KafkaStreams streams = HeldCommits.streams(topology, props, unscored)) {
            streams.start();
            long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < waitUntil) {
                Thread.sleep(20);
            }
            OutputConsumer consumer = new OutputConsumer(output, sentAt, inputOffset);
            Thread consumerThread = new Thread(consumer, "bench-latency-consumer");
            consumerThread.start();
            long settle = (long) (rate * SETTLE.toMillis() / 1000.0);
            long sent = produceAtRate(input, rate, sentAt, offsetMismatches, settle, afterSettle);
            long drainUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (consumer.received() < sent && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            consumer.stop();
            consumerThread.join(10_000);
            if (offsetMismatches.get() > 0) {
                status.printf("bench: %d records did not land at the expected offset; their latency is unreliable%n", offsetMismatches.get());
            }
            Latencies kept = consumer.latencies(settle);
            KafkaTimes kafka = KafkaTimes.of(streams.metrics());
            status.printf("bench: %s: latency p50 %.2f ms, p99 %.2f ms, max %.2f ms over %,d records%n",
                    name, kept.percentileMs(0.5), kept.percentileMs(0.99), kept.percentileMs(1.0), kept.size());
            status.printf("bench: %s: p99 by second sent (ms): %s%n", name, consumer.p99BySecond(rate));
            streams.close(Duration.ofSeconds(60));
            return new LatencyPoint.App(kept.size(), sent - consumer.received(), kept.percentileMs(0.5), kept.percentileMs(0.99),
                    kept.percentileMs(1.0), kafka);
        }
    }

    /**
     * Sends to {@code topic} at {@code rate} records/s; {@code sentAt[i]} is the nanoTime just before record i was handed
     * to the producer. {@code beforeRecord} runs once, just before record number {@code mark} is sent.
     */
    private long produceAtRate(String topic, double rate, long[] sentAt, AtomicLong offsetMismatches, long mark, Runnable beforeRecord) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        MetricsGenerator generator = new MetricsGenerator(options.seed() + 3, 0.001);
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
                    if (sent == mark) {
                        beforeRecord.run();
                    }
                    byte[] key = generator.nextHost().getBytes(StandardCharsets.UTF_8);
                    byte[] value = generator.nextValue();
                    long index = sent;
                    List<Header> headers = List.of(new RecordHeader(INDEX_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(index).array()));
                    sentAt[(int) index] = System.nanoTime();
                    producer.send(new ProducerRecord<>(topic, 0, System.currentTimeMillis(), key, value, headers), (meta, error) -> {
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

    /** Reads an output topic as soon as records arrive and records each output's latency by its input offset. */
    private final class OutputConsumer implements Runnable {
        private final String topic;
        private final long[] sentAt;
        private final long[] latency;
        private final ToLongFunction<ConsumerRecord<byte[], byte[]>> inputOffset;
        private volatile boolean running = true;
        private final AtomicLong received = new AtomicLong();

        OutputConsumer(String topic, long[] sentAt, ToLongFunction<ConsumerRecord<byte[], byte[]>> inputOffset) {
            this.topic = topic;
            this.sentAt = sentAt;
            this.latency = new long[sentAt.length];
            this.inputOffset = inputOffset;
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
                        long offset = inputOffset.applyAsLong(r);
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

        /** The p99 of the records sent in each second, in ms: whether a backlog grew, drained or stalled once. */
        String p99BySecond(double rate) {
            StringBuilder out = new StringBuilder();
            int perSecond = Math.max(1, (int) Math.round(rate));
            for (int from = 0; from < latency.length; from += perSecond) {
                Latencies second = new Latencies();
                for (int i = from; i < Math.min(latency.length, from + perSecond); i++) {
                    if (latency[i] > 0) {
                        second.add(latency[i]);
                    }
                }
                if (second.size() > 0) {
                    out.append(out.isEmpty() ? "" : " ").append(Math.round(second.percentileMs(0.99)));
                }
            }
            return out.toString();
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

    /** The index the latency producer stamped on a record ({@link #INDEX_HEADER}), which the pass-through carries through; -1 if absent. */
    static long stampedIndex(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(INDEX_HEADER);
        if (header == null || header.value() == null || header.value().length != Long.BYTES) {
            return -1;
        }
        long v = 0;
        for (byte b : header.value()) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
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
