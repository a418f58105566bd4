package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.demo.TrafficGenerator.Silence;
import dev.vigil.score.SourceId;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the demo's summary counts from hand-made outputs: per-kind catches, anomaly alerts and silence alerts. */
class DemoSummaryTest {

    private static final String INPUT = "vigil-input";
    private static final List<String> KINDS = List.of("spike", "broken_correlation", "category_mismatch", "stuck_value", "silent");
    /** host-03 falls silent after its record at index 95 (offset 90: offsets are dense, indices skip the silence). */
    private static final Silence SILENCE = new Silence("host-03", 100, 140);

    private final Map<SourceId, DemoRunner.Produced> truth = new HashMap<>();
    private final OutcomeTally tally = OutcomeTally.unconnected("scores", "dead", "alerts");
    private long offset;

    @Test
    void shouldCountInjectedAndCaughtRecordsPerKindAndEveryKindEvenWhenNoneWasInjected() {
        produce(0, "normal", "normal");
        produce(1, "anomaly:spike", "anomaly");
        produce(2, "anomaly:spike", "normal");
        produce(3, "anomaly:stuck_value", "anomaly");
        produce(4, "anomaly:broken_correlation", "unscored"); // not scored: not counted as injected
        produce(5, "malformed:not_json", "dead_letter:not_json");

        Map<String, Object> flat = summary(null).flat();

        assertThat(flat).containsEntry("injected_spike", 2L).containsEntry("caught_spike", 1L)
                .containsEntry("injected_stuck_value", 1L).containsEntry("caught_stuck_value", 1L)
                .containsEntry("injected_broken_correlation", 0L).containsEntry("caught_broken_correlation", 0L)
                .containsEntry("injected_category_mismatch", 0L).containsEntry("caught_category_mismatch", 0L)
                .containsEntry("injected_silent", 0L).containsEntry("caught_silent", 0L)
                .containsEntry("injected", 3L).containsEntry("injected_caught", 2L)
                .containsEntry("silent_alerts", 0L).containsEntry("silent_resolved", 0L);
        for (String kind : KINDS) {
            assertThat(flat).containsKeys("injected_" + kind, "caught_" + kind);
        }
    }

    @Test
    void shouldCatchTheSilenceWithASilenceAlertOfItsHostAfterItsLastRecordBeforeTheStretch() {
        produceAround();
        alert(silent("host-03", 95, "open"));
        alert(silent("host-03", 95, "open")); // an at-least-once repeat
        alert(silent("host-03", 95, "resolved"));

        DemoRunner.Summary summary = summary(SILENCE);

        assertThat(summary.flat()).containsEntry("injected_silent", 1L).containsEntry("caught_silent", 1L)
                .containsEntry("silent_alerts", 1L).containsEntry("silent_resolved", 1L);
        assertThat(summary.caughtByKind()).containsOnlyKeys(KINDS);
    }

    @Test
    void shouldNotCountASilenceAlertOfAnotherHostOrOfAnEarlierSilenceAsACatch() {
        produceAround();
        alert(silent("host-05", 95, "open"));
        alert(silent("host-03", 10, "open")); // host-03 fell silent long before its stretch
        alert("{\"id\":\"silent:host-03:garbage\",\"kind\":\"silent\",\"status\":\"open\",\"entity\":\"host-03\"}");

        Map<String, Object> flat = summary(SILENCE).flat();

        assertThat(flat).containsEntry("injected_silent", 1L).containsEntry("caught_silent", 0L)
                .containsEntry("silent_alerts", 3L).containsEntry("silent_resolved", 0L);
    }

    @Test
    void shouldKeepSilenceAlertsOutOfTheAnomalyAlertsAndTheirExamples() {
        produceAround();
        alert("{\"id\":\"vigil-input:0:1\",\"alert_id\":\"vigil-input:0:1\",\"kind\":\"anomaly\",\"status\":\"open\",\"entity\":\"host-01\"}");
        alert("{\"id\":\"vigil-input:0:2\",\"alert_id\":\"vigil-input:0:2\",\"status\":\"open\",\"entity\":\"host-02\"}"); // no kind: older Vigil
        alert("{\"id\":\"incident-resolved:vigil-input:0:1\",\"kind\":\"anomaly\",\"status\":\"resolved\",\"entity\":\"host-01\"}");
        alert(silent("host-03", 95, "open"));

        DemoRunner.Summary summary = summary(SILENCE);

        assertThat(summary.alerts()).isEqualTo(2);
        assertThat(summary.exampleAlerts()).extracting(a -> a.path("entity").asText()).containsExactly("host-01", "host-02");
        assertThat(summary.silentAlerts()).isEqualTo(1);
    }

    @Test
    void shouldReadTheLastRecordOfASilenceFromItsId() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(OutcomeTally.lastRecordBeforeSilence(json.readTree(
                "{\"id\":\"silent:web:1:metrics.eu-west_1:3:1234\",\"entity\":\"web:1\"}")))
                .isEqualTo(new SourceId("metrics.eu-west_1", 3, 1234));
        assertThat(OutcomeTally.lastRecordBeforeSilence(json.readTree("{\"id\":\"silent:web:x:1\",\"entity\":\"web\"}"))).isNull();
        assertThat(OutcomeTally.lastRecordBeforeSilence(json.readTree("{\"id\":\"silent:db:t:0:1\",\"entity\":\"web\"}"))).isNull();
    }

    // ---- helpers ----

    /** Records 0..199 (all normal and scored) but host-03's in the stretch, host-03 every 8th from 7, ending at 95 before it. */
    private void produceAround() {
        for (long i = 0; i < 200; i++) {
            boolean host03 = i % 8 == 7;
            if (!(host03 && i >= SILENCE.from() && i < SILENCE.until())) {
                produce(i, "normal", "normal");
            }
        }
    }

    private void produce(long index, String truthLabel, String outcome) {
        long at = offset++;
        truth.put(new SourceId(INPUT, 0, at), new DemoRunner.Produced(truthLabel, index));
        if (outcome.startsWith("dead_letter:")) {
            ConsumerRecord<byte[], byte[]> dead = new ConsumerRecord<>("dead", 0, at, null, new byte[] {'x'});
            dead.headers().add(dev.vigil.ingest.DeadLetters.SOURCE_TOPIC, INPUT.getBytes(StandardCharsets.UTF_8))
                    .add(dev.vigil.ingest.DeadLetters.SOURCE_PARTITION, "0".getBytes(StandardCharsets.UTF_8))
                    .add(dev.vigil.ingest.DeadLetters.SOURCE_OFFSET, String.valueOf(at).getBytes(StandardCharsets.UTF_8))
                    .add(dev.vigil.ingest.DeadLetters.ERROR_CLASS, outcome.substring(12).getBytes(StandardCharsets.UTF_8));
            tally.accept(dead);
        } else {
            tally.accept(new ConsumerRecord<>("scores", 0, at, null, bytes(String.format(
                    "{\"topic\":\"%s\",\"partition\":0,\"offset\":%d,\"outcome\":\"%s\",\"model_version\":1,\"score\":1.5}",
                    INPUT, at, outcome))));
        }
    }

    /** A silence alert of {@code host} whose last record is the one produced at {@code index}. */
    private String silent(String host, long index, String status) {
        long at = truth.entrySet().stream().filter(e -> e.getValue().index() == index).findFirst().orElseThrow().getKey().offset();
        return String.format("{\"id\":\"silent:%s:%s:0:%d\",\"kind\":\"silent\",\"status\":\"%s\",\"entity\":\"%s\"}",
                host, INPUT, at, status, host);
    }

    private void alert(String json) {
        tally.accept(new ConsumerRecord<>("alerts", 0, 0, null, bytes(json)));
    }

    private DemoRunner.Summary summary(Silence silence) {
        return DemoRunner.summarize(truth, tally, TrafficGenerator.NEVER, silence, -1, 1, 0, 1.0);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
