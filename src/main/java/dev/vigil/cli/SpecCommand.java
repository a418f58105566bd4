package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.SpecInference;
import dev.vigil.kafka.KafkaUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.service.StreamsSettings;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vigil spec infer}: propose a feature spec from a sample of the records. */
@Command(name = "spec", mixinStandardHelpOptions = true, description = "Feature spec tools.",
        subcommands = SpecCommand.Infer.class)
final class SpecCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: infer");
    }

    @Command(name = "infer", mixinStandardHelpOptions = true,
            description = {"Read a sample of records (a CSV or JSON-lines file, or a topic) and write a feature spec proposing "
                    + "the entity key, the timestamp and the features; what cannot be modelled (ids, free text, near-constant "
                    + "and nested fields) is left out.",
                    "The spec goes to --out or stdout; a table of every field, its role and why goes to stderr."})
    static final class Infer implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Spec
        CommandSpec command;

        @Option(names = "--data", paramLabel = "FILE", description = "CSV (with or without header) or JSON lines.")
        Path data;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Read the sample from this topic (JSON object values) instead.")
        String topic;

        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
                description = "The cluster of --topic (overrides kafka.bootstrap.servers of --config).")
        String bootstrapServers;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Properties file whose kafka.* keys (bootstrap servers, security) reach the cluster of --topic.")
        Path configFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key (repeatable).")
        Map<String, String> sets = new HashMap<>();

        @Option(names = "--sample", paramLabel = "N", defaultValue = "10000",
                description = "Records to read: the first N of the file, or up to N from the beginning of the topic, "
                        + "an equal share from every partition (default: ${DEFAULT-VALUE}).")
        int sample;

        @Option(names = "--exclude", paramLabel = "COLS", split = ",", description = "Fields to leave out, comma separated (e.g. a label).")
        List<String> exclude = new ArrayList<>();

        @Option(names = "--context",
                description = "Add the default context block (each entity's recent history: stuck values, jumps, silences; "
                        + "see the README). Only for records in time order: not for a shuffled benchmark file.")
        boolean context;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write the spec (default: stdout).")
        Path out;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
                description = "How long to wait for Kafka (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws IOException {
            if ((data == null) == (topic == null)) {
                throw new ParameterException(command.commandLine(), "give either --data FILE or --topic TOPIC");
            }
            if (topic == null && (configFile != null || !sets.isEmpty())) {
                throw new ParameterException(command.commandLine(), "--config and --set are for --topic: a file needs none");
            }
            if (sample < 1) {
                throw new ParameterException(command.commandLine(), "--sample must be at least 1");
            }
            PrintWriter err = command.commandLine().getErr();
            SpecInference.Result result;
            String source;
            if (data != null) {
                if (!Files.isReadable(data)) {
                    throw new VigilCommand.UsageException("cannot read --data " + data);
                }
                result = SpecInference.inferFile(data, sample, exclude);
                source = data.toString();
            } else {
                TopicSample topicSample = readTopic();
                result = topicSample.inference.result();
                source = "topic " + topic + (topicSample.skipped == 0 ? ""
                        : String.format(" (%,d value%s not a JSON object, skipped)", topicSample.skipped,
                                topicSample.skipped == 1 ? "" : "s"));
            }
            Set<String> seen = result.decisions().stream().map(SpecInference.Decision::field).collect(Collectors.toSet());
            Set<String> unknown = new LinkedHashSet<>(exclude);
            unknown.removeAll(seen);
            if (!unknown.isEmpty()) {
                throw new VigilCommand.UsageException("--exclude names no field of the sample: " + String.join(",", unknown)
                        + " (fields: " + String.join(",", seen.stream().sorted().toList()) + ")");
            }
            long features = result.decisions().stream().filter(d -> d.feature() != null).count();
            err.printf("vigil spec infer: %,d records from %s, %d features%n", result.records(), source, features);
            err.print(result.table());
            err.flush();
            if (result.spec() == null) {
                throw new VigilCommand.UsageException("no field of " + source + " can be a feature (see the table above)");
            }
            FeatureSpec spec = context ? result.spec().withContext(ContextSettings.defaults()) : result.spec();
            String json = spec.toJson() + System.lineSeparator();
            if (out != null) {
                Files.writeString(out, json);
            } else {
                command.commandLine().getOut().print(json);
                command.commandLine().getOut().flush();
            }
            return VigilCommand.EXIT_OK;
        }

        private record TopicSample(SpecInference inference, long skipped) {
        }

        /** Up to {@code sample} records from the beginning of every partition, an equal share each, up to the end offsets. */
        private TopicSample readTopic() {
            // The cluster's address and security settings as vigil run reads them: the file, the environment, the options.
            Map<String, String> overrides = new HashMap<>(sets);
            if (bootstrapServers != null) {
                overrides.put("kafka.bootstrap.servers", bootstrapServers);
            }
            Properties props = StreamsSettings.clientProperties(VigilConfig.load(configFile, System.getenv(), overrides),
                    ConsumerConfig.configNames());
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            String bootstrapServers = props.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-spec-infer");
            long deadline = System.nanoTime() + timeout.toNanos();
            SpecInference inference = new SpecInference(exclude, false);
            long skipped = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
                if (infos == null || infos.isEmpty()) {
                    throw new VigilCommand.UsageException("topic " + topic + " does not exist on " + bootstrapServers);
                }
                List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, remaining(deadline));
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
                consumer.seekToBeginning(partitions);
                int share = (sample + partitions.size() - 1) / partitions.size();
                Map<TopicPartition, Long> stopAt = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    long stop = Math.min(end.get(tp), begin.get(tp) + share);
                    if (stop > begin.get(tp)) {
                        stopAt.put(tp, stop);
                    }
                }
                consumer.pause(partitions.stream().filter(tp -> !stopAt.containsKey(tp)).toList());
                while (!stopAt.isEmpty() && inference.records() + skipped < sample) {
                    if (System.nanoTime() > deadline) {
                        throw new KafkaUnavailableException("topic " + topic + " on " + bootstrapServers + ": read "
                                + inference.records() + " records in " + timeout.toSeconds() + " s and still waiting (--timeout)", null);
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        Long stop = stopAt.get(tp);
                        if (stop == null || r.offset() >= stop || inference.records() + skipped >= sample) {
                            continue;
                        }
                        JsonNode node = parse(r.value());
                        if (node == null) {
                            skipped++;
                        } else {
                            inference.addJson(node);
                        }
                    }
                    for (TopicPartition tp : List.copyOf(stopAt.keySet())) {
                        if (consumer.position(tp, remaining(deadline)) >= stopAt.get(tp)) {
                            stopAt.remove(tp);
                            consumer.pause(List.of(tp));
                        }
                    }
                }
            } catch (TimeoutException e) {
                throw new KafkaUnavailableException("Kafka at " + bootstrapServers + " did not answer within "
                        + timeout.toSeconds() + " s (--bootstrap-servers, --timeout)", e);
            }
            if (inference.records() == 0) {
                throw new VigilCommand.UsageException("topic " + topic + " has no JSON object records to infer a spec from"
                        + (skipped == 0 ? "" : " (" + skipped + " other values)"));
            }
            return new TopicSample(inference, skipped);
        }

        private static Duration remaining(long deadline) {
            return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
        }

        private static JsonNode parse(byte[] value) {
            if (value == null) {
                return null;
            }
            try {
                JsonNode node = JSON.readTree(value);
                return node != null && node.isObject() ? node : null;
            } catch (IOException e) {
                return null;
            }
        }
    }
}
