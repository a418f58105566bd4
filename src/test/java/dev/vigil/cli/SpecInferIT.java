package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(KafkaBroker.class)
class SpecInferIT {

    @Test
    void shouldInferTheSpecFromTheBeginningOfEveryPartitionAndSkipValuesThatAreNotObjects() {
        String topic = KafkaBroker.createTopic("spec-infer", 3);
        TrafficGenerator.Options options = TrafficGenerator.Options.defaults().withAnomalyRate(0).withMalformedRate(0);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        TrafficGenerator.generate(options, 500).forEach(r -> records.add(r.toProducerRecord(topic)));
        records.add(new ProducerRecord<>(topic, 0, null, "not json".getBytes(StandardCharsets.UTF_8)));
        TestRecords.produce(KafkaBroker.bootstrapServers(), records);

        CommandLine cli = VigilCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("spec", "infer", "--topic", topic, "--bootstrap-servers", KafkaBroker.bootstrapServers());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).startsWith("vigil spec infer: 500 records from topic " + topic
                + " (1 value not a JSON object, skipped)");
        FeatureSpec spec = FeatureSpec.parse(out.toString());
        assertThat(spec.entityKey()).isEqualTo("host");
        assertThat(spec.timestamp()).isEqualTo("ts");
        assertThat(spec.names()).containsExactlyInAnyOrderElementsOf(TrafficGenerator.spec().names());
    }

    /** The cluster's address (and, on a secured cluster, its security settings) may come from the config file, as for vigil run. */
    @Test
    void shouldReachTheClusterThroughTheConfigFile(@TempDir Path dir) throws Exception {
        String topic = KafkaBroker.createTopic("spec-infer-config", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        TrafficGenerator.generate(TrafficGenerator.Options.defaults().withMalformedRate(0), 200)
                .forEach(r -> records.add(r.toProducerRecord(topic)));
        TestRecords.produce(KafkaBroker.bootstrapServers(), records);
        Path config = Files.writeString(dir.resolve("vigil.properties"), "kafka.bootstrap.servers=" + KafkaBroker.bootstrapServers() + "\n");

        CommandLine cli = VigilCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("spec", "infer", "--topic", topic, "--config", config.toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(FeatureSpec.parse(out.toString()).entityKey()).isEqualTo("host");
    }
}
