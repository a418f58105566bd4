package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.bench.KafkaTimes;
import dev.vigil.bench.LatencyPoint;
import dev.vigil.bench.LatencySettings;
import dev.vigil.bench.ModelBench;
import dev.vigil.bench.ParseBench;
import dev.vigil.bench.ThroughputBench;
import dev.vigil.config.VigilSettings;
import dev.vigil.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil bench}: records/s of a pass-through app, Vigil and Vigil with Random Cut Forest on
 * the same data, and the latency of the pass-through and of Vigil at a fixed rate, with the parts of
 * Vigil's, or with {@code --latency-curve} at several (see {@link ThroughputBench}); its subcommands
 * {@code model} and {@code parse} time the VAE and the parse stage alone. Progress goes to stderr;
 * the report to stdout, with {@code --format json} as one flat JSON object on the last line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure Vigil's throughput against a pass-through app and Random Cut Forest, and its latency.",
                "Starts an embedded broker unless --bootstrap-servers is given."},
        subcommands = {BenchCommand.Model.class, BenchCommand.Parse.class},
        exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 1)
public final class BenchCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "500000", description = "Input records per run (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--warmup-records", defaultValue = "-1",
            description = "Records of the discarded warm-up (default: a fifth of --records, at most 100000; 0 = none). "
                    + "Unless 0, a discarded latency run of each app comes before the timed ones.")
    int warmupRecords;

    @Option(names = "--train-records", defaultValue = "20000",
            description = "Generated normal records the VAE and RCF learn from (default: ${DEFAULT-VALUE}).")
    int trainRecords;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Throughput rounds, each a pass-through run then a Vigil run; each app's median round is reported "
                    + "(default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--latency-rate", defaultValue = "0",
            description = "Offered records/s for the latency runs (default: half of the pass-through's maximum measured in the same run).")
    double latencyRate;

    @Option(names = "--latency-seconds", defaultValue = "10",
            description = "Length of each latency run; the first second is left out (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--latency-curve",
            description = "Also measure the latency of the pass-through and of Vigil at each of --latency-rates (two runs per rate).")
    boolean latencyCurve;

    @Option(names = "--latency-rates", split = ",", paramLabel = "R[,R...]",
            description = "Records/s of the latency curve, besides --latency-rate (default: 1000,5000,10000; needs --latency-curve).")
    List<Double> latencyRates;

    @Option(names = "--guarantee", defaultValue = "at_least_once",
            description = "at_least_once or exactly_once_v2, for every run, the latency curve's included (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Use this broker instead of an embedded one.")
    String bootstrapServers;

    @Option(names = "--broker-dir", paramLabel = "DIR",
            description = {"Where the embedded broker keeps its log, in a temporary directory (default: /dev/shm, a memory file system, "
                    + "when the machine has one with 4 GiB free, else the system's temporary directory).",
                    "On a disk, the broker's first write to each new partition's index can stall it for tens of milliseconds; "
                    + "each latency run writes new topics, and Vigil writes more of them than the pass-through (see docs/BENCHMARKS.md)."})
    Path brokerDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data and the models (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key for every run (repeatable).")
    Map<String, String> sets = new HashMap<>();

    @Option(names = "--context", description = "Run Vigil and RCF with a context block in the feature spec (per-host state in the topology).")
    boolean context;

    @Override
    public Integer call() throws Exception {
        ThroughputBench.Options options = options();
        ThroughputBench.Result result;
        String brokerLog;
        if (bootstrapServers != null) {
            brokerLog = "external";
            result = new ThroughputBench(bootstrapServers, options, System.getenv(), System.err).run();
        } else {
            try (EmbeddedKafka kafka = EmbeddedKafka.startTemporaryIn(brokerParent())) {
                brokerLog = kafka.logDir().toString();
                System.err.printf("bench: the embedded broker's log is in %s%n", brokerLog);
                result = new ThroughputBench(kafka.bootstrapServers(), options, System.getenv(), System.err).run();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            Map<String, Object> flat = new LinkedHashMap<>(result.flat());
            flat.put("broker_log_dir", brokerLog);
            out.println(JSON.writeValueAsString(flat));
        } else {
            printTable(result, out);
        }
        out.flush();
        return VigilCommand.EXIT_OK;
    }

    /** The parent of the embedded broker's temporary log directory: --broker-dir, else memory when the machine has it. */
    private Path brokerParent() {
        if (brokerDir != null) {
            if (!Files.isDirectory(brokerDir) || !Files.isWritable(brokerDir)) {
                throw new ParameterException(spec.commandLine(), "--broker-dir " + brokerDir + " is not a writable directory");
            }
            return brokerDir;
        }
        return hasRoomInMemory() ? SHARED_MEMORY : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static final Path SHARED_MEMORY = Path.of("/dev/shm");

    /** A full run writes about 1 GB to the broker; containers often give /dev/shm only 64 MB. */
    private static final long MEMORY_LOG_MIN_BYTES = 4L << 30;

    private static boolean hasRoomInMemory() {
        try {
            return Files.isDirectory(SHARED_MEMORY) && Files.isWritable(SHARED_MEMORY)
                    && Files.getFileStore(SHARED_MEMORY).getUsableSpace() >= MEMORY_LOG_MIN_BYTES;
        } catch (IOException e) {
            return false;
        }
    }

    /** The bench's options from the command line; a bad value is a {@link ParameterException}. */
    ThroughputBench.Options options() {
        if (records < 1 || trainRecords < 2000 || latencySeconds < 2 || latencyRate < 0 || rounds < 1) {
            throw new ParameterException(spec.commandLine(),
                    "need --records >= 1, --train-records >= 2000, --latency-seconds >= 2, --latency-rate >= 0, --rounds >= 1");
        }
        if (!guarantee.equals("at_least_once") && !guarantee.equals("exactly_once_v2")) {
            throw new ParameterException(spec.commandLine(), "--guarantee must be at_least_once or exactly_once_v2, got " + guarantee);
        }
        if (latencyRates != null && !latencyCurve) {
            throw new ParameterException(spec.commandLine(), "--latency-rates needs --latency-curve");
        }
        if (latencyRates != null && (latencyRates.isEmpty() || latencyRates.stream().anyMatch(r -> !(r >= 1) || r.isInfinite()))) {
            throw new ParameterException(spec.commandLine(), "--latency-rates must be records/s >= 1, got " + latencyRates);
        }
        checkFormat(spec, format);
        int warmup = warmupRecords >= 0 ? warmupRecords : Math.min(100_000, records / 5);
        List<Double> curve = !latencyCurve ? List.of() : latencyRates != null ? latencyRates : ThroughputBench.DEFAULT_CURVE_RATES;
        return new ThroughputBench.Options(records, warmup, trainRecords, latencyRate, Duration.ofSeconds(latencySeconds), curve,
                guarantee, seed, sets, context, rounds);
    }

    private static void printTable(ThroughputBench.Result r, PrintWriter out) {
        out.printf("vigil bench: %,d records, 38 features%s, %s%n", r.records(), r.context() ? " with context (77 model inputs)" : "",
                r.guarantee());
        out.printf("  %-28s %12s %10s %14s %11s%n", "run", "records/s", "seconds", "CPU us/record", "cores busy");
        for (ThroughputBench.Run run : List.of(r.passThrough(), r.vigil(), r.rcf())) {
            out.printf("  %-28s %,12.0f %10.2f %14.1f %11.2f%n", label(run.name()), run.recordsPerSecond(), run.seconds(),
                    run.cpuMicrosPerRecord(), run.coresBusy());
        }
        out.printf("  Vigil / pass-through         %12.3f   (by CPU per record: %.3f; median of %d rounds, records/s: "
                        + "pass-through %s, Vigil %s)%n", r.ratioVsPassThrough(), r.cpuRatioVsPassThrough(), r.passThroughRounds().size(),
                ThroughputBench.Result.rounds(r.passThroughRounds()), ThroughputBench.Result.rounds(r.vigilRounds()));
        out.printf("  Vigil / RCF                  %12.1f%n", r.ratioVsRcf());
        out.printf("  time in BatchScorer.score    %11.0f%% (Vigil)  %.0f%% (RCF)%n", 100 * r.vigil().scoreShare(), 100 * r.rcf().scoreShare());
        LatencyPoint at = r.latency();
        out.printf("  latency at %,.0f records/s, Vigil:        p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d records, %,d missing)%n",
                at.rate(), at.vigil().p50Ms(), at.vigil().p99Ms(), at.vigil().maxMs(), at.vigil().samples(), at.vigil().missing());
        out.printf("  latency at %,.0f records/s, pass-through: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d records, %,d missing)%n",
                at.rate(), at.passThrough().p50Ms(), at.passThrough().p99Ms(), at.passThrough().maxMs(), at.passThrough().samples(),
                at.passThrough().missing());
        printBreakdown(at, out);
        LatencySettings k = r.kafka();
        out.printf("  Kafka settings of every run: commit.interval.ms %d, linger.ms %d, poll.ms %d, fetch.max.wait.ms %d,"
                        + " fetch.min.bytes %d, max.poll.records %d; Vigil's micro-batch: %d records or %d ms%n",
                k.commitIntervalMs(), k.lingerMs(), k.pollMs(), k.fetchMaxWaitMs(), k.fetchMinBytes(), k.maxPollRecords(),
                k.batchMaxRecords(), k.batchMaxWaitMs());
        if (!r.curve().isEmpty()) {
            printCurve(r.curve(), r.guarantee(), out);
        }
        out.printf("  score buffer changelog: %.3f records and %.1f bytes per input record%n",
                (double) r.bufferCost().changelogRecords() / r.records(), (double) r.bufferCost().changelogBytes() / r.records());
        out.printf("  per-record CPU by stage, in isolation (us): parse %.2f, context %.2f, buffer encode %.2f, score %.2f, score JSON %.2f"
                        + " = %.2f; Vigil's run took %.2f us/record, pass-through %.2f%n",
                r.stages().parseUs(), r.stages().contextUs(), r.stages().bufferEncodeUs(), r.stages().scoreUs(), r.stages().scoreJsonUs(),
                r.stages().totalUs(), 1e6 / r.vigil().recordsPerSecond(), 1e6 / r.passThrough().recordsPerSecond());
    }

    /** Where Vigil's milliseconds go at one rate; Kafka's parts next to the pass-through's. */
    private static void printBreakdown(LatencyPoint at, PrintWriter out) {
        LatencyPoint.Scoring s = at.scoring();
        KafkaTimes v = at.vigil().kafka();
        KafkaTimes p = at.passThrough().kafka();
        out.printf("  where Vigil's latency goes at %,.0f records/s (ms):%n", at.rate());
        out.printf("    %-46s p50 %7.2f  p99 %7.2f  max %7.2f%n", "until Vigil forwards it (from send, whole ms)",
                s.untilForwardedP50Ms(), s.untilForwardedP99Ms(), s.untilForwardedMaxMs());
        out.printf("    %-46s p50 %7.2f  p99 %7.2f  max %7.2f%n", "  in it: waiting in the micro-batch buffer",
                s.bufferWaitP50Ms(), s.bufferWaitP99Ms(), s.bufferWaitMaxMs());
        out.printf("    %-46s p50 %7.2f  p99 %7.2f  max %7.2f%n", String.format("  in it: its batch's model call (%.0f records)",
                s.batchRecordsAvg()), s.scoreCallP50Ms(), s.scoreCallP99Ms(), s.scoreCallMaxMs());
        out.printf("    %-46s avg %7.2f  max %7.2f   pass-through: avg %.2f, max %.2f%n", "producer queue time before sending",
                v.producerQueueTimeAvgMs(), v.producerQueueTimeMaxMs(), p.producerQueueTimeAvgMs(), p.producerQueueTimeMaxMs());
        out.printf("    %-46s avg %7.2f                pass-through: avg %.2f%n", "producer request until acknowledged",
                v.producerRequestLatencyAvgMs(), p.producerRequestLatencyAvgMs());
        out.printf("    %-46s avg %7.2f  max %7.2f   pass-through: avg %.2f, max %.2f (%,d and %,d commits)%n", "commit",
                v.commitLatencyAvgMs(), v.commitLatencyMaxMs(), p.commitLatencyAvgMs(), p.commitLatencyMaxMs(), v.commits(), p.commits());
    }

    private static void printCurve(List<LatencyPoint> curve, String guarantee, PrintWriter out) {
        out.printf("  latency curve, %s (ms):%n", guarantee);
        out.printf("    %10s %17s %17s %17s %17s %11s%n", "records/s", "pass-through p50", "pass-through p99", "Vigil p50",
                "Vigil p99", "buffer p99");
        for (LatencyPoint point : curve) {
            out.printf("    %,10.0f %17.2f %17.2f %17.2f %17.2f %11.2f%n", point.rate(), point.passThrough().p50Ms(),
                    point.passThrough().p99Ms(), point.vigil().p50Ms(), point.vigil().p99Ms(), point.scoring().bufferWaitP99Ms());
        }
    }

    private static String label(String name) {
        return switch (name) {
            case "passthrough" -> "pass-through (parse, forward)";
            case "vigil" -> "Vigil (VAE)";
            default -> "Vigil topology with RCF";
        };
    }

    static void checkFormat(CommandSpec spec, String format) {
        if (!format.equals("table") && !format.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--format must be table or json, got " + format);
        }
    }

    /** {@code vigil bench model}: the VAE alone, no Kafka (see {@link ModelBench}). */
    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Measure VAE scoring records/s by batch size and training samples/s (38 features, no Kafka).")
    static final class Model implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--batch-sizes", split = ",", defaultValue = "1,16,256,1024",
                description = "Batch sizes to score at (default: ${DEFAULT-VALUE}).")
        List<Integer> batchSizes;

        @Option(names = "--seconds", defaultValue = "3", description = "Seconds of scoring per batch size (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--train-records", defaultValue = "20000", description = "Training records (default: ${DEFAULT-VALUE}).")
        int trainRecords;

        @Option(names = "--epochs", defaultValue = "10", description = "Training epochs (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            checkFormat(spec, format);
            if (trainRecords < 2000 || epochs < 1 || !(seconds > 0) || batchSizes.stream().anyMatch(b -> b < 1)) {
                throw new ParameterException(spec.commandLine(), "need --train-records >= 2000, --epochs >= 1, --seconds > 0, batch sizes >= 1");
            }
            ModelBench.Result r = ModelBench.run(trainRecords, epochs, batchSizes, Duration.ofMillis((long) (seconds * 1000)), seed, System.err);
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                out.println(JSON.writeValueAsString(r.flat()));
            } else {
                out.printf("vigil bench model: %d features%n", r.features());
                out.printf("  training: %,d records x %d epochs in %.1f s = %,.0f samples/s%n", r.trainRecords(), r.epochs(),
                        r.trainSeconds(), r.trainSamplesPerSecond());
                out.printf("  %8s %16s %22s%n", "batch", "records/s", "TensorFlow call only");
                for (ModelBench.Scoring s : r.scoring()) {
                    out.printf("  %8d %,16.0f %,22.0f%n", s.batchSize(), s.batchScorerRps(), s.vaeScorerRps());
                }
                out.printf("  memory with the model loaded: Java heap %.0f MiB, resident %.0f MiB (TensorFlow's native memory included)%n",
                        r.heapUsedMb(), r.residentMb());
            }
            out.flush();
            return VigilCommand.EXIT_OK;
        }
    }

    /** {@code vigil bench parse}: the parse stage alone, flat against nested records, no Kafka (see {@link ParseBench}). */
    @Command(name = "parse", mixinStandardHelpOptions = true,
            description = "Measure the parse stage in us/record: Telegraf-shaped nested records read through JSON Pointers"
                    + " against the same values flat (no Kafka).")
    static final class Parse implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--records", defaultValue = "200000", description = "Records of each layout (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--rounds", defaultValue = "7",
                description = "Timed passes over the records; the fastest counts (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of the data (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            checkFormat(spec, format);
            if (records < 1 || rounds < 1) {
                throw new ParameterException(spec.commandLine(), "need --records >= 1 and --rounds >= 1");
            }
            // The service's parser under the default ingest limits, as the full bench's stage profile uses.
            ParseBench.Result r = ParseBench.run(records, rounds, seed, VigilSettings.defaults().ingest(), System.err);
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                out.println(JSON.writeValueAsString(r.flat()));
            } else {
                out.printf("vigil bench parse: %,d records per layout, fastest of %d rounds%n", r.records(), r.rounds());
                out.printf("  %-44s %10s %8s%n", "layout", "us/record", "bytes");
                out.printf("  %-44s %10.3f %8.0f%n", "flat (10 fields)", r.flatUs(), r.flatBytes());
                out.printf("  %-44s %10.3f %8.0f%n", "nested, Telegraf (10 fields, JSON Pointers)", r.nestedUs(), r.nestedBytes());
                out.printf("  %-44s %10.3f%n", "nested / flat", r.nestedRatio());
                out.printf("  %-44s %10.3f %8.0f%n", "vigil bench's records (38 fields, flat)", r.generatorUs(), r.generatorBytes());
            }
            out.flush();
            return VigilCommand.EXIT_OK;
        }
    }
}
