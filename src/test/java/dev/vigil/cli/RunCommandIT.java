package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code vigil run} against a broker that is not there, and stopped with SIGTERM: it exits with
 * code 2 and one line when Kafka does not answer, within the time that line states, and it
 * exits within {@code vigil.shutdown.timeout.ms} plus 5 s of SIGTERM in every state, saying so
 * in its log. The SIGTERM tests run {@code vigil run} in its own JVM, as a user (or Kubernetes) does.
 */
@ExtendWith(KafkaBroker.class)
class RunCommandIT {

    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;
    /** The promise: exit within the shutdown timeout plus this after SIGTERM. */
    private static final Duration SIGTERM_MARGIN = Duration.ofSeconds(5);
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void shouldExitWithCode2AndOneLineWithinTheStatedTimeWhenKafkaIsUnreachable() throws IOException {
        String bootstrap = "127.0.0.1:" + closedPort();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        long start = System.nanoTime();
        int code = cli.execute("run", "--bootstrap-servers", bootstrap, "--spec", spec().toString(),
                "--set", VigilConfig.STATE_DIR + "=" + dir.resolve("state"), "--set", VigilConfig.HTTP_PORT + "=0");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        String text = err.toString().strip();
        assertThat(code).as("exit code; stderr: %s", text).isEqualTo(2);
        assertThat(text.lines()).as("stderr: %s", text).hasSize(1);
        assertThat(out.toString()).isEmpty();
        assertThat(text).contains(bootstrap);
        assertThat(dir.resolve("state")).as("the state directory, a side effect, after Kafka never answered").doesNotExist();
        Matcher stated = Pattern.compile("within (\\d+) s").matcher(text);
        assertThat(stated.find()).as("the line states how long Vigil waited: %s", text).isTrue();
        // A behavioural bound, not a benchmark: the wait the message states, not twice that.
        assertThat(elapsed).as("time to exit").isLessThan(Duration.ofSeconds(Long.parseLong(stated.group(1)) + 15));
    }

    @ParameterizedTest(name = "vigil.topics.create={0}")
    @ValueSource(booleans = {false, true})
    void shouldExitWithinTheShutdownTimeoutOnSigtermWhileKafkaIsUnreachable(boolean createTopics) throws Exception {
        Map<String, String> config = config("127.0.0.1:" + closedPort());
        config.put(VigilConfig.TOPICS_CREATE, Boolean.toString(createTopics));
        Path log = dir.resolve("vigil.log");
        Process vigil = start(config, log);
        try {
            // The states of the issue: Kafka Streams' start() waiting for the global store, or the topic set-up waiting for Kafka.
            String waiting = createTopics ? "Setting up topics" : "Kafka Streams CREATED -> REBALANCING";
            Await.until("vigil to wait for the unreachable broker", STARTUP, () -> read(log).contains(waiting));
            assertSigtermStopsWithinTheTimeout(vigil, log);
        } finally {
            vigil.destroyForcibly();
        }
    }

    @Test
    void shouldStopInOrderOnSigtermWhileRunning() throws Exception {
        Map<String, String> config = config(KafkaBroker.bootstrapServers());
        String prefix = KafkaBroker.uniqueName("run-sigterm");
        config.put("kafka.application.id", prefix);
        config.put(VigilConfig.INPUT_TOPICS, prefix + "-in");
        config.putAll(dev.vigil.it.Pipeline.outputTopics(prefix));
        Path log = dir.resolve("vigil.log");
        Process vigil = start(config, log);
        try {
            Await.until("Kafka Streams to run", STARTUP, () -> read(log).contains("-> RUNNING"));
            assertSigtermStopsWithinTheTimeout(vigil, log);
            assertThat(vigil.exitValue()).as("exit code; log:%n%s", read(log)).isZero();
            assertThat(read(log)).contains("PENDING_SHUTDOWN -> NOT_RUNNING");
        } finally {
            vigil.destroyForcibly();
        }
    }

    private static void assertSigtermStopsWithinTheTimeout(Process vigil, Path log) throws InterruptedException {
        long start = System.nanoTime();
        vigil.destroy(); // SIGTERM on Linux
        boolean exited = vigil.waitFor(SHUTDOWN_TIMEOUT_MS + SIGTERM_MARGIN.toMillis(), TimeUnit.MILLISECONDS);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(exited).as("exited within %d ms + %s of SIGTERM; log:%n%s", SHUTDOWN_TIMEOUT_MS, SIGTERM_MARGIN, read(log))
                .isTrue();
        assertThat(read(log)).as("exited after %s", elapsed)
                .contains("received SIGTERM, shutting down (timeout " + SHUTDOWN_TIMEOUT_MS + " ms)");
    }

    private Map<String, String> config(String bootstrap) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", bootstrap);
        c.put(VigilConfig.FEATURE_SPEC, spec().toString());
        c.put(VigilConfig.STATE_DIR, dir.resolve("state").toString());
        c.put(VigilConfig.HTTP_PORT, "0");
        c.put(VigilConfig.SHUTDOWN_TIMEOUT_MS, Long.toString(SHUTDOWN_TIMEOUT_MS));
        return c;
    }

    private Process start(Map<String, String> config, Path log) throws IOException {
        Path file = dir.resolve("vigil.properties");
        Properties properties = new Properties();
        properties.putAll(config);
        try (Writer w = Files.newBufferedWriter(file)) {
            properties.store(w, "RunCommandIT");
        }
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.VigilCommand", "run", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private Path spec() throws IOException {
        return Files.writeString(dir.resolve("spec.json"), "{\"features\":[{\"name\":\"cpu\",\"type\":\"numeric\"}]}");
    }

    /** A local port nothing listens on: connections are refused, as with a broker that is down. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
