package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VigilCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String oneErrorLine() {
        String text = err.toString().strip();
        assertThat(text.lines()).as("stderr: %s", text).hasSize(1);
        assertThat(out.toString()).isEmpty();
        return text;
    }

    @Test
    void shouldListTheCommandsInHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("run", "demo", "broker", "config");
    }

    @Test
    void shouldRejectAnUnknownCommandWithOneLineAndExitCode2() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(oneErrorLine()).contains("frobnicate");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "host:notaport", "broker1:9092,broker2", "host:70000"})
    void shouldRejectAMalformedBootstrapAddressWithOneLineAndExitCode2(String bootstrap) {
        assertThat(run("run", "--bootstrap-servers", bootstrap)).isEqualTo(2);
        assertThat(oneErrorLine()).contains("kafka.bootstrap.servers").contains("is not host:port");
    }

    private Path cpuSpec() throws IOException {
        return Files.writeString(dir.resolve("cpu-spec.json"), "{\"features\":[{\"name\":\"cpu\",\"type\":\"numeric\"}]}");
    }

    @Test
    void shouldRejectAMissingModelFileBeforeTouchingTheCluster() throws IOException {
        // Port 1 has no broker: had Vigil tried to create its topics first, this would wait for the admin client.
        assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--spec", cpuSpec().toString(),
                "--model", dir.resolve("nope.vigil").toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("--model").contains("not found").contains("nope.vigil");
    }

    @Test
    void shouldRejectACorruptModelFileBeforeTouchingTheCluster() throws IOException {
        Path corrupt = Files.write(dir.resolve("corrupt.vigil"), new byte[] {'V', 'G', 'L', 'M', 0, 0, 0, 1, 0, 0});
        assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--spec", cpuSpec().toString(), "--model", corrupt.toString()))
                .isEqualTo(2);
        assertThat(oneErrorLine()).contains("--model").contains("corrupt.vigil");
    }

    @Test
    void shouldRejectAMissingConfigFile() {
        assertThat(run("run", "--config", dir.resolve("nope.properties").toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("Config file not found").contains("nope.properties");
    }

    @Test
    void shouldRejectABadValueNamingTheKeyTheValueAndWhatIsAllowed() throws IOException {
        Path config = Files.writeString(dir.resolve("vigil.properties"), "vigil.score.batch.max.records=0\n");
        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("vigil.score.batch.max.records").contains("0").contains("at least 1");
    }

    @Test
    void shouldRejectAnUnknownVigilKey() throws IOException {
        Path config = Files.writeString(dir.resolve("vigil.properties"), "vigil.scroe.batch.max.records=10\n");
        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("vigil.scroe.batch.max.records");
    }

    @Test
    void shouldRejectAMalformedDataFileWithOneLineNamingTheLine() throws IOException {
        Path data = Files.writeString(dir.resolve("train.csv"), "cpu,mem\n0.5,0.1\n0.6,np.float64(0.2)\n");
        assertThat(run("train", "--data", data.toString(), "--out", dir.resolve("m.vglm").toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("train.csv:3").contains("mem").contains("not a number");
    }

    @Test
    void shouldRejectABadFeatureSpec() throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), "{\"features\":[{\"name\":\"region\",\"type\":\"categorical\"}]}");
        Path config = Files.writeString(dir.resolve("vigil.properties"),
                "kafka.bootstrap.servers=127.0.0.1:1\nvigil.feature.spec=" + spec + "\n");
        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("spec.json").contains("region").contains("categories");
    }

    @Test
    void shouldRequireTheBootstrapServers() throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), "{\"features\":[{\"name\":\"cpu\",\"type\":\"numeric\"}]}");
        Path config = Files.writeString(dir.resolve("vigil.properties"), "vigil.feature.spec=" + spec + "\n");
        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(oneErrorLine()).contains("kafka.bootstrap.servers");
    }

    @Test
    void shouldPrintTheConfigurationReference() {
        assertThat(run("config", "docs")).isZero();
        assertThat(out.toString()).contains("| `vigil.score.batch.max.records` | int | `256` |");
    }

    @Test
    void shouldSayInOneLineThatTheClusterRefusedTheCredentialsWhereverTheFailureSurfaced() {
        CommandLine cli = new CommandLine(new Refused()).setExecutionExceptionHandler(VigilCommand::handleFailure);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute()).isEqualTo(VigilCommand.EXIT_FAILURE);
        assertThat(oneErrorLine()).startsWith("vigil: the Kafka cluster refused the connection: Authentication failed "
                + "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512").contains("kafka.sasl.*");
    }

    /** Fails as {@code vigil run} does when Kafka Streams' global thread cannot log in. */
    @CommandLine.Command(name = "refused")
    static final class Refused implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new org.apache.kafka.streams.errors.StreamsException("Exception caught during initialization of GlobalStreamThread",
                    new org.apache.kafka.common.errors.SaslAuthenticationException("Authentication failed during authentication "
                            + "due to invalid credentials with SASL mechanism SCRAM-SHA-512"));
        }
    }
}
