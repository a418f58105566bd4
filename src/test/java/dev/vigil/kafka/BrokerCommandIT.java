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

            new ProcessBuilder("kill", "-INT", String.valueOf(broker.pid())).start().waitFor();
            // Generous: once in eight recorded CI runs the broker took over 30 s to stop (cause not found); its log says why next time.
            assertThat(broker.waitFor(90, TimeUnit.SECONDS)).as("broker exited after SIGINT; its log ends:%n%s", tail(dir.resolve("broker.log")))
                    .isTrue();
            assertThat(broker.exitValue()).isZero();
            assertThat(stdout.readLine()).as("nothing else on stdout").isNull();
            assertThat(logDir.resolve("meta.properties")).exists();
        } finally {
            broker.destroyForcibly();
        }
    }

    private static String tail(Path log) throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
