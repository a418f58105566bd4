package dev.vigil.cli;

import dev.vigil.backtest.Backtest;
import dev.vigil.backtest.BacktestInput;
import dev.vigil.backtest.BacktestReport;
import dev.vigil.backtest.BacktestResult;
import dev.vigil.backtest.BacktestSummary;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.KafkaUnavailableException;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.ModelFormatException;
import dev.vigil.service.StreamsSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil backtest}: what Vigil would have flagged on history, replayed through the service's
 * own topology ({@link Backtest}), with a summary and a self-contained HTML report.
 */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = {"Replay time-ordered history through the service's own topology: the same parsing, context, scoring, "
                + "calibration, incidents, rolling window, retraining schedule and validation gate, on a clock driven by "
                + "event time.",
                "Prints a summary (alerts and incidents per day, the models trained and when, the top entities) and writes "
                        + "an HTML report that needs no network."})
final class BacktestCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    ConfigOptions options;

    @Option(names = "--data", paramLabel = "FILE",
            description = "History: CSV or JSON lines, in the layout of the spec (repeatable: files are replayed one after another).")
    List<Path> data = new ArrayList<>();

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Replay this topic instead, read from the beginning to its end offsets (cluster: --bootstrap-servers or the config).")
    String topic;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Start from this model (vigil train) instead of a cold start, as vigil run --model does.")
    Path model;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Time between rows of a file, for specs without a timestamp field (default: ${DEFAULT-VALUE}, SMD's).")
    Duration interval;

    @Option(names = "--start", paramLabel = "INSTANT", defaultValue = "2000-01-01T00:00:00Z",
            description = "Event time of a file's first row, for specs without a timestamp field (default: ${DEFAULT-VALUE}).")
    Instant start;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "backtest-report.html",
            description = "Where to write the HTML report (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text, or json (one flat JSON object with the totals). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for Kafka with --topic (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
        if (data.isEmpty() == (topic == null)) {
            throw new ParameterException(command.commandLine(), "give either --data FILE or --topic TOPIC");
        }
        if (!format.equals("text") && !format.equals("json")) {
            throw new ParameterException(command.commandLine(), "--format must be text or json, not '" + format + "'");
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new ParameterException(command.commandLine(), "--interval must be positive");
        }
        // The replay reads every outcome from the scores topic, and nothing waits on it: train at full speed.
        options.sets.put(VigilConfig.SCORES_ENABLED, "true");
        options.sets.put(VigilConfig.TRAIN_CPU_SHARE, "1.0");
        VigilConfig config = options.load();
        FeatureSpec spec = ConfigOptions.spec(config);
        VigilSettings settings = VigilSettings.from(config);
        ModelBundle given = null;
        if (model != null) {
            try {
                given = ModelBundle.load(model, spec);
            } catch (ModelFormatException | java.io.UncheckedIOException e) {
                throw new VigilCommand.UsageException("--model: " + e.getMessage());
            }
        }
        for (Path p : data) {
            if (!Files.isReadable(p)) {
                throw new VigilCommand.UsageException("cannot read --data " + p);
            }
        }
        PrintWriter err = command.commandLine().getErr();
        String source = topic != null ? "topic " + topic : String.join(" + ", data.stream().map(Path::toString).toList());
        List<BacktestInput.Replayed> records = topic != null
                ? BacktestInput.inEventTimeOrder(readTopic(config), spec)
                : BacktestInput.fromFiles(data, spec, start.toEpochMilli(), interval);
        if (records.isEmpty()) {
            throw new VigilCommand.UsageException(source + " has no records to replay");
        }
        err.printf("vigil backtest: replaying %,d records from %s%n", records.size(), source);
        err.flush();
        long begin = System.nanoTime();
        long[] lastReport = {begin};
        BacktestResult result = new Backtest(settings, spec).run(source, records, given, done -> {
            long now = System.nanoTime();
            if (now - lastReport[0] > 10_000_000_000L) {
                lastReport[0] = now;
                err.printf("  %,d of %,d records, %.0f s%n", done, records.size(), (now - begin) / 1e9);
                err.flush();
            }
        });
        BacktestReport.write(result, report);
        PrintWriter out = command.commandLine().getOut();
        out.print(format.equals("json") ? BacktestSummary.json(result) + System.lineSeparator() : BacktestSummary.text(result));
        out.flush();
        err.printf("report: %s (%.0f s)%n", report.toAbsolutePath(), (System.nanoTime() - begin) / 1e9);
        err.flush();
        return VigilCommand.EXIT_OK;
    }

    /** Every record of the topic, from the beginning of each partition to the end offsets it had when we started. */
    private List<BacktestInput.Replayed> readTopic(VigilConfig config) {
        Properties props = StreamsSettings.clientProperties(config, ConsumerConfig.configNames());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-backtest");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String servers = props.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        List<BacktestInput.Replayed> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new VigilCommand.UsageException("topic " + topic + " does not exist on " + servers);
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            List<TopicPartition> pending = new ArrayList<>(partitions.stream().filter(tp -> end.get(tp) > 0).toList());
            while (!pending.isEmpty()) {
                var polled = consumer.poll(Duration.ofMillis(200));
                if (!polled.isEmpty()) {
                    deadline = System.nanoTime() + timeout.toNanos(); // the timeout bounds a stall, not a long topic
                }
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        records.add(new BacktestInput.Replayed(r.key(), r.value(), r.timestamp()));
                    }
                }
                pending.removeIf(tp -> consumer.position(tp) >= end.get(tp));
                if (!pending.isEmpty() && System.nanoTime() > deadline) {
                    throw new KafkaUnavailableException("topic " + topic + " on " + servers + ": read " + records.size()
                            + " records, then nothing for " + timeout.toSeconds() + " s (--timeout)", null);
                }
            }
        } catch (TimeoutException e) {
            throw new KafkaUnavailableException("Kafka at " + servers + " did not answer within " + timeout.toSeconds()
                    + " s (--bootstrap-servers, --timeout)", e);
        }
        // Partitions are read in turn; the replay sorts them into one event-time order.
        return records;
    }
}
