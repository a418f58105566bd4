package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil backtest --topic}: a topic's history, every partition to its end, replayed from a cold start. */
@ExtendWith(KafkaBroker.class)
class BacktestTopicIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldReplayEveryRecordOfEveryPartitionAndTrainOnTheWay() throws Exception {
        String topic = KafkaBroker.createTopic("backtest", 3);
        List<GeneratedRecord> generated = TrafficGenerator.generate(TrafficGenerator.Options.defaults().withMalformedRate(0.01), 2_000);
        TestRecords.produce(KafkaBroker.bootstrapServers(), generated.stream()
                .map(r -> (ProducerRecord<byte[], byte[]>) r.toProducerRecord(topic)).toList());
        long malformed = generated.stream().filter(GeneratedRecord::isMalformed).count();
        Path spec = Files.writeString(dir.resolve("spec.json"), TrafficGenerator.spec().toJson());

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("backtest", "--topic", topic, "--bootstrap-servers", KafkaBroker.bootstrapServers(),
                "--spec", spec.toString(), "--report", dir.resolve("r.html").toString(), "--format", "json",
                "--set", VigilConfig.TRAIN_SAMPLE_RATE + "=1.0", "--set", VigilConfig.TRAIN_MIN_RECORDS + "=500",
                "--set", VigilConfig.TRAIN_EPOCHS + "=10");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode summary = JSON.readTree(out.toString());
        assertThat(malformed).isPositive();
        assertThat(summary.get("records").asLong()).isEqualTo(2_000);
        assertThat(summary.get("dead_letters").asLong()).isEqualTo(malformed);
        assertThat(summary.get("scored").asLong() + summary.get("unscored").asLong()).isEqualTo(2_000 - malformed);
        assertThat(summary.get("unscored").asLong()).as("cold start: the first 500 samples").isBetween(500L, 520L);
        assertThat(summary.get("models_promoted").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(dir.resolve("r.html")).isNotEmptyFile();
    }
}
