package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.VigilCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code vigil demo --format json}: a short run on its own embedded broker, summarized from the output topics. */
class DemoIT {

    @Test
    void shouldAccountForEveryRecordAndEndWithOneFlatJsonLine() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = VigilCommand.execute("demo", "--duration", "8s", "--rate", "500", "--format", "json",
                    "--set", "vigil.http.port=0");
        } finally {
            System.setOut(stdout);
        }
        assertThat(exit).isZero();
        List<String> lines = captured.toString(StandardCharsets.UTF_8).strip().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        for (String key : List.of("records", "normal", "anomalies_flagged", "unscored", "dead_letters", "injected",
                "injected_caught", "false_alarms", "model_version", "models_promoted", "silent_alerts", "silent_resolved")) {
            assertThat(summary.has(key)).as(key).isTrue();
        }
        long perKind = 0;
        for (String kind : List.of("spike", "broken_correlation", "category_mismatch", "stuck_value", "silent")) {
            assertThat(summary.get("caught_" + kind).asLong()).as(kind).isLessThanOrEqualTo(summary.get("injected_" + kind).asLong());
            perKind += kind.equals("silent") ? 0 : summary.get("injected_" + kind).asLong();
        }
        assertThat(perKind).as("the record kinds add up to injected").isEqualTo(summary.get("injected").asLong());
        assertThat(summary.get("injected_silent").asLong()).as("host-03 is silent from record 2,000 to 3,000 of 4,000").isOne();
        long records = summary.get("records").asLong();
        assertThat(records).isGreaterThan(2_000);
        assertThat(summary.get("missing").asLong()).isZero();
        assertThat(summary.get("normal").asLong() + summary.get("anomalies_flagged").asLong()
                + summary.get("unscored").asLong() + summary.get("dead_letters").asLong()).isEqualTo(records);
        assertThat(summary.get("dead_letters").asLong()).as("the generator's malformed records").isPositive();
        assertThat(summary.get("model_version").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(summary.get("models_promoted").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(summary.get("injected_caught").asLong()).isLessThanOrEqualTo(summary.get("injected").asLong());
    }
}
