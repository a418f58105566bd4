package dev.vigil.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testsupport.TestRecords;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil broker} as a user runs it: its own JVM, stopped with Ctrl-C (SIGINT). */
class BrokerCommandIT {

    @Test
    void shouldServeClientsAtThePrintedAddressAndExitZeroOnCtrlC(@TempDir Path dir) throws Exception {
        Path logDir = dir.resolve("kafka");
        Process broker = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.BrokerCommand", "--port", "0", "--dir", logDir.toString())
                .redirectError(dir.resolve("broker.log").toFile())
                .start();
        try {
            BufferedReader stdout = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
            String address = stdout.readLine();
            assertThat(address).matches("127\\.0\\.0\\.1:\\d+");

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address))) {
                Topics.ensure(admin, List.of(TopicSpec.of("hello", 1)));
            }
            TestRecords.produceStrings(address, "hello", List.of(Map.entry("k", "v")));
            assertThat(TestRecords.consumeStrings(address, "hello", 1, Duration.ofSeconds(30)))
                    .containsExactly(Map.entry("k", "v"));

            // A build started as a background job of a non-interactive shell runs with SIGINT ignored, and so does the
            // broker it starts (an ignored signal stays ignored across exec): there Ctrl-C cannot reach it, and SIGTERM,
            // which `vigil broker` handles the same way, stands in for it.
            String signal = sigintIgnored() ? "TERM" : "INT";
            new ProcessBuilder("kill", "-" + signal, String.valueOf(broker.pid())).start().waitFor();
            assertThat(broker.waitFor(30, TimeUnit.SECONDS))
                    .as("broker exited after SIG%s; its log ends:%n%s", signal, tail(dir.resolve("broker.log"))).isTrue();
            assertThat(broker.exitValue()).isZero();
            assertThat(stdout.readLine()).as("nothing else on stdout").isNull();
            assertThat(logDir.resolve("meta.properties")).exists();
        } finally {
            broker.destroyForcibly();
        }
    }

    /** Whether this process ignores SIGINT (bit 1 of SigIgn in /proc/self/status, where there is one). */
    private static boolean sigintIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // no /proc: assume signals as a terminal delivers them
        }
        return false;
    }

    private static String tail(Path log) throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
