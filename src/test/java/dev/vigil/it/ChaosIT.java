package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.demo.Truth;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.score.SourceId;
import dev.vigil.service.StreamsSettings;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.SteadyTraffic;
import dev.vigil.testsupport.VigilProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chaos as a test: under steady traffic (with malformed records, so dead letters count too) {@code vigil run}
 * in a child JVM with an instance id is killed with SIGKILL again and again and restarted on the same state
 * directory and id, and once, midway, the broker itself is stopped and restarted on the same log directory
 * and port while Vigil runs. At the end every input offset must have an outcome (a score record or a dead
 * letter): nothing lost. Each SIGKILL may repeat at most what one commit interval holds at the offered rate,
 * plus a stated margin for batches in flight (none at all under {@code exactly_once_v2}, read with {@code
 * read_committed}), and every restart must score a new offset within {@link #RESUME_BOUND}.
 *
 * <p>System properties: {@code chaos.cycles} (SIGKILLs, default 2, one each side of the broker restart; the figure is 20), {@code
 * chaos.strict=true} (resume within the 10 s instead of the default's margin for a loaded two-core
 * machine, and no SIGKILL repeating more than the largest offset commit seen before it), {@code chaos.seed} (the
 * random waits between disruptions). One summary line per disruption and one for the run are logged at INFO,
 * starting with "chaos"; each run's config and log stay in {@code target/chaos-it/GUARANTEE/run-N.*} for a
 * post-mortem.
 *
 * <p>The test runs a broker of its own: the shared test broker cannot be stopped under other tests.
 */
class ChaosIT {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosIT.class);
    private static final int PARTITIONS = 2;
    /** Offered input, records/s. */
    private static final int RATE = 300;
    private static final double MALFORMED_RATE = 0.02;
    private static final int CYCLES = Integer.getInteger("chaos.cycles", 2);
    private static final boolean STRICT = Boolean.getBoolean("chaos.strict");
    private static final long SEED = Long.getLong("chaos.seed", 14);
    /**
     * From a restart (a process start, or the broker back up) to the first output of a new offset. The issue asks
     * for 10 s ({@code chaos.strict}); by default a shared two-core machine gets 30 s (measured: 6-9 s, once 12 s).
     */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(STRICT ? 10 : 30);
    /**
     * Processing between two disruptions, once Vigil has caught up with what arrived while it was down: a seeded
     * random time in [min, max). A kill while it still catches up would repeat a commit interval of its faster
     * catch-up pace, not of the offered rate.
     */
    private static final Duration MIN_RUN = Duration.ofSeconds(3);
    private static final Duration MAX_RUN = Duration.ofSeconds(7);
    /** How long the broker stays down. */
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /**
     * Records in flight beyond the commit interval that a SIGKILL may also repeat: the scoring batch's wait plus
     * this margin for the producer's batches, the poll loop and a busy machine.
     */
    private static final Duration IN_FLIGHT_MARGIN = Duration.ofSeconds(2);

    private enum Disruption { SIGKILL, BROKER_RESTART }

    /** One disruption as the summary reports it; repeats are known once the next one starts. */
    private static final class Cycle {
        final int number;
        final Disruption kind;
        final double atSeconds;
        final long repeatsBefore;
        double resumeSeconds = Double.NaN;
        /** From the restart to the outputs reaching the input's end as it was at the resume. */
        double caughtUpSeconds = Double.NaN;
        /** The process a SIGKILL restarted; null for the broker restart. */
        VigilProcess restarted;
        /** -1 until the next disruption (or the end) tells. */
        long repeats = -1;
        /** Records in the largest single offset commit seen while Vigil ran before this disruption. */
        final long largestCommit;
        String note = "";

        Cycle(int number, Disruption kind, double atSeconds, long repeatsBefore, long largestCommit) {
            this.number = number;
            this.kind = kind;
            this.atSeconds = atSeconds;
            this.repeatsBefore = repeatsBefore;
            this.largestCommit = largestCommit;
        }

        @Override
        public String toString() {
            // Read when reported: Kafka Streams may score a first task's records before it logs RUNNING.
            String running = restarted == null ? "" : restarted.logged("-> RUNNING")
                    .map(d -> String.format(Locale.ROOT, " (Kafka Streams RUNNING after %.1f s)", d.toMillis() / 1000.0))
                    .orElse(" (Kafka Streams not RUNNING)");
            return String.format(Locale.ROOT, "%s %d at %.1f s: %s repeated (largest commit before it: %d records), resumed in "
                    + "%.1f s%s, caught up after %.1f s%s", kind, number, atSeconds, repeats < 0 ? "?" : repeats, largestCommit,
                    resumeSeconds, running, caughtUpSeconds, note);
        }
    }

    @TempDir
    Path dir;
    /** Where the runs' config and log files go: kept after the test for a post-mortem. */
    private Path runDir;

    private EmbeddedKafka broker;
    private final List<VigilProcess> runs = new ArrayList<>();
    private final List<Cycle> cycles = new ArrayList<>();
    private boolean reported;

    @AfterEach
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at_least_once", "exactly_once_v2"})
    void shouldBringEveryInputOffsetToAnOutcomeThroughRepeatedSigkillsAndABrokerRestart(String guarantee) throws Exception {
        try {
            chaos(guarantee);
        } catch (Exception | AssertionError e) {
            if (!reported) {
                logCycles(guarantee);
            }
            // The last runs say why; twenty logs of healthy runs would bury it (all are kept in runDir).
            runs.subList(Math.max(0, runs.size() - 3), runs.size())
                    .forEach(run -> LOG.warn("Last lines of {}:\n{}", run.log(), run.tail(60)));
            throw e;
        } finally {
            for (VigilProcess run : runs) {
                run.close();
            }
        }
    }

    private void chaos(String guarantee) throws Exception {
        boolean exactlyOnce = guarantee.equals("exactly_once_v2");
        runDir = Path.of("target", "chaos-it", guarantee);
        deleteRecursively(runDir);
        Files.createDirectories(runDir);
        Path logDir = dir.resolve("kafka");
        broker = EmbeddedKafka.start(logDir, 0, KafkaBroker.TEST_OVERRIDES);
        String bootstrap = broker.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        Pipeline.Topics topics = Pipeline.Topics.create(bootstrap, PARTITIONS);
        Map<String, String> config = Pipeline.instanceConfig(bootstrap, topics, dir, guarantee);
        long repeatBound = repeatBound(config);
        Random random = new Random(SEED);
        List<Disruption> plan = new ArrayList<>();
        for (int i = 0; i < CYCLES; i++) {
            plan.add(Disruption.SIGKILL);
        }
        plan.add(CYCLES / 2, Disruption.BROKER_RESTART);
        LOG.info("chaos {}: {} SIGKILLs and a broker restart ({}), {} records/s with {}% malformed, seed {}, "
                + "repeat bound {} per SIGKILL, resume bound {} s", guarantee, CYCLES, plan, RATE, MALFORMED_RATE * 100,
                SEED, exactlyOnce ? 0 : repeatBound, RESUME_BOUND.toSeconds());

        Map<SourceId, List<Output>> all;
        Map<SourceId, String> produced;
        long failedSends;
        long began = System.nanoTime();
        try (SteadyTraffic traffic = new SteadyTraffic(bootstrap, topics.input(), RATE,
                TrafficGenerator.Options.defaults().withSeed(SEED).withMalformedRate(MALFORMED_RATE));
             Pipeline.Outputs outputs = new Pipeline.Outputs(bootstrap, topics, exactlyOnce);
             CommitWatch commits = new CommitWatch(bootstrap, config.get("kafka.application.id"), topics.input())) {
            VigilProcess vigil = start(config);
            awaitNewOutput(outputs, vigil, Map.of(), START_TIMEOUT, "the first run to score");
            awaitCaughtUp(outputs, vigil, bootstrap, topics.input());

            for (Disruption kind : plan) {
                process(outputs, vigil, MIN_RUN.plusMillis((long) (random.nextDouble() * MAX_RUN.minus(MIN_RUN).toMillis())),
                        commits);
                double at = seconds(System.nanoTime() - began);
                if (kind == Disruption.SIGKILL) {
                    vigil.kill();
                    // Everything the killed run got out (under exactly-once: committed); nothing more will come.
                    outputs.drain(Duration.ofSeconds(1));
                    Cycle cycle = begin(kind, at, outputs.repeats(), commits.largestCommit());
                    Map<Integer, Long> before = outputs.highestOffsets();
                    vigil = start(config);
                    cycle.restarted = vigil;
                    cycle.resumeSeconds = seconds(awaitNewOutput(outputs, vigil, before, START_TIMEOUT,
                            "the restart to score an offset the killed run had not") - vigil.startedNanos());
                    cycle.caughtUpSeconds = seconds(awaitCaughtUp(outputs, vigil, bootstrap, topics.input()) - vigil.startedNanos());
                } else {
                    broker.close();
                    outputs.drain(Duration.ofSeconds(1));
                    Cycle cycle = begin(kind, at, outputs.repeats(), commits.largestCommit());
                    read(outputs, OUTAGE);
                    broker = EmbeddedKafka.start(logDir, port, KafkaBroker.TEST_OVERRIDES);
                    long back = System.nanoTime();
                    // New means written after the broker came back: anything older may have been scored before it went.
                    Map<Integer, Long> before = lastOffsets(bootstrap, topics.input());
                    if (!vigil.isAlive()) {
                        cycle.note = "; vigil exited during the outage (exit code " + vigil.process().exitValue() + "), restarted";
                        LOG.warn("chaos {}: vigil exited while the broker was down (exit code {}); the test restarts it",
                                guarantee, vigil.process().exitValue());
                        vigil = start(config);
                        cycle.restarted = vigil;
                    }
                    cycle.resumeSeconds = seconds(awaitNewOutput(outputs, vigil, before, START_TIMEOUT,
                            "vigil to score an offset written after the broker came back") - back);
                    cycle.caughtUpSeconds = seconds(awaitCaughtUp(outputs, vigil, bootstrap, topics.input()) - back);
                }
            }
            // The last disruption's repeats show while the service runs on.
            process(outputs, vigil, MAX_RUN, commits);
            traffic.stop();
            Map<SourceId, String> acknowledged = Map.copyOf(traffic.produced());
            failedSends = traffic.failed();
            // A batch the broker appends while it shuts down can be answered NOT_LEADER_OR_FOLLOWER;
            // the producer retries it after the restart and the topic holds it twice, with only the
            // retry's offsets acknowledged. Every record in the topic needs an outcome, so the
            // truth is what the topic holds; copies nobody acknowledged must repeat a sent value.
            Map<SourceId, InputRecord> inTopic = inputRecords(bootstrap, topics.input());
            Set<String> ackedValues = new HashSet<>();
            acknowledged.keySet().forEach(id -> ackedValues.add(inTopic.get(id).value()));
            List<SourceId> unacknowledged = inTopic.keySet().stream().filter(id -> !acknowledged.containsKey(id)).sorted(
                    Comparator.comparingInt(SourceId::partition).thenComparingLong(SourceId::offset)).toList();
            // Not isSubsetOf: AssertJ checks that by a linear search per element, minutes for 20 cycles' records.
            assertThat(acknowledged.keySet().stream().filter(id -> !inTopic.containsKey(id)).map(SourceId::id).limit(20).toList())
                    .as("acknowledged offsets missing from the input topic").isEmpty();
            assertThat(unacknowledged.stream().filter(id -> !ackedValues.contains(inTopic.get(id).value())).count())
                    .as("records in the input topic that repeat no acknowledged one (%d sends failed)", failedSends)
                    .isLessThanOrEqualTo(failedSends);
            Map<SourceId, String> truth = new HashMap<>();
            inTopic.forEach((id, r) -> truth.put(id, r.truth()));
            produced = Map.copyOf(truth);
            LOG.info("chaos {}: traffic stopped after {} s: {} records acknowledged, {} sends failed{}; {} records in the topic, "
                    + "{} of them copies that no send acknowledged{}", guarantee,
                    String.format(Locale.ROOT, "%.1f", seconds(System.nanoTime() - began)), acknowledged.size(), traffic.failed(),
                    traffic.failed() == 0 ? "" : " (first: " + traffic.firstFailure() + ")", inTopic.size(),
                    unacknowledged.size(), unacknowledged.isEmpty() ? "" : " (" + unacknowledged.stream().limit(10).map(SourceId::id).toList() + ")");
            try {
                outputs.awaitAll(produced.keySet(), Duration.ofSeconds(120));
            } catch (AssertionError e) {
                LOG.warn("chaos {}: {}", guarantee, e.getMessage()); // counted and asserted below
            }
            all = outputs.drain(Duration.ofSeconds(2));
            assertThat(vigil.isAlive()).as("the last run still runs (a crash loop would end it)").isTrue();
            Cycle last = cycles.get(cycles.size() - 1);
            last.repeats = outputs.repeats() - last.repeatsBefore;
        }

        Set<SourceId> lost = new HashSet<>(produced.keySet());
        lost.removeAll(all.keySet());
        long outcomes = all.values().stream().mapToLong(List::size).sum();
        long malformed = produced.values().stream().filter(Truth::isMalformed).count();
        logCycles(guarantee);
        reported = true;
        List<Cycle> kills = cycles.stream().filter(c -> c.kind == Disruption.SIGKILL).toList();
        LOG.info("chaos {} summary: {} SIGKILLs + 1 broker restart, {} produced ({} malformed), {} outcomes, {} lost, "
                        + "repeats per SIGKILL max {} mean {} (bound {}; largest commit {} records), resume after SIGKILL max {} s "
                        + "mean {} s, after the broker restart {} s (bound {} s), load average {}",
                guarantee, kills.size(), produced.size(), malformed, outcomes, lost.size(),
                kills.stream().mapToLong(c -> c.repeats).max().orElse(0),
                String.format(Locale.ROOT, "%.0f", kills.stream().mapToLong(c -> c.repeats).average().orElse(0)),
                exactlyOnce ? 0 : repeatBound, cycles.stream().mapToLong(c -> c.largestCommit).max().orElse(0),
                String.format(Locale.ROOT, "%.1f", kills.stream().mapToDouble(c -> c.resumeSeconds).max().orElse(0)),
                String.format(Locale.ROOT, "%.1f", kills.stream().mapToDouble(c -> c.resumeSeconds).average().orElse(0)),
                cycles.stream().filter(c -> c.kind == Disruption.BROKER_RESTART)
                        .map(c -> String.format(Locale.ROOT, "%.1f", c.resumeSeconds)).findFirst().orElse("?"),
                RESUME_BOUND.toSeconds(), String.format(Locale.ROOT, "%.2f",
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));

        assertThat(lost.size()).as("input offsets without an outcome, e.g. %s",
                lost.stream().map(SourceId::id).sorted().limit(20).toList()).isZero();
        assertThat(all.keySet().stream().filter(id -> !produced.containsKey(id)).map(SourceId::id).limit(20).toList())
                .as("outcomes for offsets the input topic does not hold").isEmpty();
        assertThat(malformed).as("malformed records produced, so dead letters are part of the count").isPositive();
        // One assertion over a list: a hundred thousand AssertJ assertions take most of a minute.
        List<String> wrong = produced.entrySet().stream()
                .filter(e -> all.getOrDefault(e.getKey(), List.of()).stream().anyMatch(o -> !o.id().equals(e.getKey().id())
                        || !(Truth.isMalformed(e.getValue()) ? o.isDeadLetter() : List.of("normal", "anomaly").contains(o.outcome()))))
                .map(e -> e.getKey().id() + " (" + e.getValue() + "): " + all.get(e.getKey()))
                .limit(20).toList();
        assertThat(wrong).as("offsets with an outcome of another id or the wrong kind (malformed: dead letter, else scored)")
                .isEmpty();
        if (exactlyOnce) {
            assertThat(Pipeline.notExactlyOnce(produced.keySet(), all)).as("offsets without exactly one outcome").isEmpty();
        } else {
            assertThat(cycles).as("records repeated per disruption at %d records/s (bound %d)", RATE, repeatBound)
                    .allSatisfy(c -> assertThat(c.repeats).as("%s %d", c.kind, c.number).isLessThanOrEqualTo(repeatBound));
            if (STRICT) {
                // The reading: a crash repeats at most the records of one commit interval, counted as
                // Kafka Streams commits them (the offered rate is only an estimate of that).
                assertThat(kills).as("records repeated per SIGKILL, against the largest commit seen before it")
                        .allSatisfy(c -> assertThat(c.repeats).as("%s %d", c.kind, c.number).isLessThanOrEqualTo(c.largestCommit));
            }
        }
        assertThat(cycles).as("time to score again after each restart").allSatisfy(c -> assertThat(c.resumeSeconds)
                .as("%s %d", c.kind, c.number).isLessThanOrEqualTo(RESUME_BOUND.toMillis() / 1000.0));
    }

    /**
     * Records a disruption that starts now, when {@code repeatsBefore} outputs beyond the first per offset have been
     * read and one commit has covered at most {@code largestCommit} records; the previous disruption's repeats are the
     * ones since it began.
     */
    private Cycle begin(Disruption kind, double atSeconds, long repeatsBefore, long largestCommit) {
        if (!cycles.isEmpty()) {
            Cycle previous = cycles.get(cycles.size() - 1);
            previous.repeats = repeatsBefore - previous.repeatsBefore;
        }
        Cycle cycle = new Cycle(cycles.size() + 1, kind, atSeconds, repeatsBefore, largestCommit);
        cycles.add(cycle);
        return cycle;
    }

    /** One line per disruption so far: when, how many records it repeated, how soon Vigil scored again. */
    private void logCycles(String guarantee) {
        cycles.forEach(c -> LOG.info("chaos {} {}", guarantee, c));
    }

    /**
     * What one SIGKILL may repeat under at-least-once: the records offered in one commit interval, the scoring
     * batch's wait and {@link #IN_FLIGHT_MARGIN}.
     */
    private static long repeatBound(Map<String, String> config) {
        long batchWaitMs = VigilConfig.of(config).getLong(VigilConfig.BATCH_MAX_WAIT_MS);
        long windowMs = StreamsSettings.AT_LEAST_ONCE_COMMIT_INTERVAL_MS + batchWaitMs + IN_FLIGHT_MARGIN.toMillis();
        return RATE * windowMs / 1000;
    }

    private VigilProcess start(Map<String, String> config) throws IOException {
        VigilProcess run = VigilProcess.start(config, runDir, "run-" + runs.size());
        runs.add(run);
        // SIGKILL must reach the JVM itself, not a shell around it.
        assertThat(run.command()).as("the child's command").endsWith("/java");
        return run;
    }

    /**
     * Reads outputs for {@code duration} (the workload between disruptions) and watches Vigil's offset commits, from a
     * new baseline; fails if Vigil exits meanwhile.
     */
    private static void process(Pipeline.Outputs outputs, VigilProcess vigil, Duration duration, CommitWatch commits) {
        commits.startSegment();
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - until < 0) {
            outputs.poll(Duration.ofMillis(100));
            commits.sample();
            assertAlive(vigil);
        }
    }

    /**
     * Vigil's committed input offsets, sampled about every 100 ms while it runs steadily: how many records one
     * commit covers, which is what "the records of one commit interval" means as Kafka Streams commits (at the
     * first poll-loop turn after the interval, over whatever traffic came in that second).
     */
    private static final class CommitWatch implements AutoCloseable {
        private final Admin admin;
        private final String group;
        private final String topic;
        /** A commit every second: samples further apart than this may span two, so their difference does not count. */
        private static final long MAX_SAMPLE_GAP_NANOS = Duration.ofMillis(900).toNanos();
        private long lastTotal = -1;
        private long lastSampleNanos;
        /** Whether this segment's first commit was seen: it also covers the catch-up before, so it does not count. */
        private boolean primed;
        private long largest;

        CommitWatch(String bootstrap, String group, String topic) {
            this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
            this.group = group;
            this.topic = topic;
        }

        /** A new run segment: its first commit is the baseline (it also covers the restart's catch-up). */
        void startSegment() {
            lastTotal = -1;
            primed = false;
        }

        void sample() {
            long total;
            try {
                total = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS)
                        .entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted reading the committed offsets of group " + group, e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the committed offsets of group " + group, e);
            }
            long now = System.nanoTime();
            if (lastTotal >= 0 && total > lastTotal) {
                if (primed && now - lastSampleNanos <= MAX_SAMPLE_GAP_NANOS) {
                    largest = Math.max(largest, total - lastTotal);
                }
                primed = true;
            }
            lastTotal = total;
            lastSampleNanos = now;
        }

        /** The most records one commit has covered so far in this run. */
        long largestCommit() {
            return largest;
        }

        @Override
        public void close() {
            admin.close(Duration.ofSeconds(5));
        }
    }

    /** Reads outputs for {@code duration}, whatever Vigil does meanwhile. */
    private static void read(Pipeline.Outputs outputs, Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - until < 0) {
            outputs.poll(Duration.ofMillis(100));
        }
    }

    /**
     * Reads outputs until one is for an input offset beyond {@code before} on some partition, and returns when
     * ({@link System#nanoTime()}); fails after {@code timeout} or as soon as Vigil exits.
     */
    private static long awaitNewOutput(Pipeline.Outputs outputs, VigilProcess vigil, Map<Integer, Long> before,
                                       Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!outputs.beyond(before)) {
            assertThat(System.nanoTime() - deadline).as("timed out after %d s waiting for %s", timeout.toSeconds(), what)
                    .isNegative();
            assertAlive(vigil);
            outputs.poll(Duration.ofMillis(20));
        }
        return System.nanoTime();
    }

    /**
     * Reads outputs until each input partition has one for its last offset as of now (what arrived while Vigil was
     * down is then processed), and returns when ({@link System#nanoTime()}).
     */
    private static long awaitCaughtUp(Pipeline.Outputs outputs, VigilProcess vigil, String bootstrap, String input) {
        Map<Integer, Long> last = lastOffsets(bootstrap, input);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!last.entrySet().stream().allMatch(e -> outputs.highestOffsets().getOrDefault(e.getKey(), -1L) >= e.getValue())) {
            assertThat(System.nanoTime() - deadline).as("timed out after %d s waiting for %s to catch up with offsets %s",
                    START_TIMEOUT.toSeconds(), vigil.name(), last).isNegative();
            assertAlive(vigil);
            outputs.poll(Duration.ofMillis(20));
        }
        return System.nanoTime();
    }

    private static void assertAlive(VigilProcess vigil) {
        if (!vigil.isAlive()) {
            throw new AssertionError(vigil.name() + " exited (code " + vigil.process().exitValue() + ")");
        }
    }

    /** The offset of the last record in each partition of {@code topic} (-1 when empty). */
    /** One input record as the topic holds it: its truth header and its value (ISO-8859-1, byte for byte). */
    private record InputRecord(String truth, String value) {
    }

    /** Every record of {@code topic}, read from the beginning to the end offsets of now. */
    private static Map<SourceId, InputRecord> inputRecords(String bootstrap, String topic) {
        Map<SourceId, InputRecord> records = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> end = Pipeline.endOffsets(admin, topic);
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                assertThat(System.nanoTime()).as("reading %s back within 60 s", topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Header header = r.headers().lastHeader(Truth.HEADER);
                    records.put(new SourceId(r.topic(), r.partition(), r.offset()), new InputRecord(
                            header == null ? null : new String(header.value(), StandardCharsets.UTF_8),
                            r.value() == null ? null : new String(r.value(), StandardCharsets.ISO_8859_1)));
                }
            }
        }
        return records;
    }

    private static Map<Integer, Long> lastOffsets(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<Integer, Long> last = new HashMap<>();
            Pipeline.endOffsets(admin, topic).forEach((tp, end) -> last.put(tp.partition(), end - 1));
            return last;
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
