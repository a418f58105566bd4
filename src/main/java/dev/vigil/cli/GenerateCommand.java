package dev.vigil.cli;

import dev.vigil.demo.DemoRunner;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil generate}: the demo's synthetic traffic, produced to any Kafka cluster at a steady
 * rate (the compose stack's traffic source). {@code --print-spec} prints the matching feature spec.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Produce synthetic traffic with injected anomalies (a vigil.truth header says which) to a topic.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = "vigil-input", description = "Topic to produce to (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--rate", defaultValue = "200", description = "Records per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (default: run until stopped).")
    Duration duration;

    @Option(names = "--seed", defaultValue = "7", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shift-at", paramLabel = "N", description = "Shift the normal traffic from the N-th record on.")
    Long shiftAt;

    @Option(names = "--print-spec", description = "Print the feature spec of the generated records and exit.")
    boolean printSpec;

    @Override
    public Integer call() throws Exception {
        if (printSpec) {
            command.commandLine().getOut().println(DemoRunner.spec().toJson());
            command.commandLine().getOut().flush();
            return VigilCommand.EXIT_OK;
        }
        if (bootstrapServers == null) {
            throw new ParameterException(command.commandLine(), "--bootstrap-servers is required");
        }
        if (rate < 1) {
            throw new ParameterException(command.commandLine(), "--rate must be at least 1, got " + rate);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(seed)
                .withShiftAt(shiftAt == null ? TrafficGenerator.NEVER : shiftAt));
        AtomicBoolean stop = new AtomicBoolean();
        Signals.onTerminate(() -> stop.set(true));
        long begin = System.nanoTime();
        long end = duration == null ? Long.MAX_VALUE : begin + duration.toNanos();
        long produced = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (!stop.get() && System.nanoTime() < end) {
                long due = (long) ((System.nanoTime() - begin) / 1e9 * rate);
                while (produced < due) {
                    GeneratedRecord r = generator.next();
                    // The broker's clock is the event time: the spec printed above has no timestamp field.
                    producer.send(new ProducerRecord<>(topic, null, null, r.key(), r.value(), r.headers()));
                    produced++;
                }
                Thread.sleep(5);
            }
        }
        command.commandLine().getErr().printf("vigil generate: produced %,d records to %s%n", produced, topic);
        return VigilCommand.EXIT_OK;
    }
}
