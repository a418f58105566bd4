package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.kafka.RecordSize;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** An alert embeds its input value; one that would be larger than the producer may send embeds a summary instead. */
class AlertSizeTest {

    private static final String VALUE = "{\"cpu\":99,\"padding\":\"" + "x".repeat(200_000) + "\"}";

    @Test
    void shouldReplaceTheEmbeddedValueBySizeSha256AndPrefix() {
        Alert cut = alert(VALUE).withRecordTruncated(16);

        assertThat(cut.record()).isNull();
        assertThat(cut.recordTruncated().bytes()).isEqualTo(VALUE.getBytes(StandardCharsets.UTF_8).length);
        assertThat(cut.recordTruncated().sha256()).isEqualTo(RecordSize.sha256(VALUE.getBytes(StandardCharsets.UTF_8)));
        assertThat(cut.recordTruncated().prefix()).isEqualTo(VALUE.substring(0, 16));
    }

    @Test
    void shouldSendAnAlertTooLargeForTheProducerWithoutTheWholeValue() throws Exception {
        JsonNode sent = process(100_000);

        assertThat(sent.has("record")).isFalse();
        assertThat(sent.at("/record_truncated/bytes").asLong()).isEqualTo(VALUE.length());
        assertThat(sent.at("/record_truncated/sha256").asText()).hasSize(64);
        assertThat(sent.at("/record_truncated/prefix").asText()).startsWith("{\"cpu\":99");
        assertThat(sent.get("alert_id").asText()).isEqualTo("in:0:1");
    }

    @Test
    void shouldEmbedTheWholeValueWhenTheAlertFits() throws Exception {
        JsonNode sent = process(1 << 20);

        assertThat(sent.at("/record/cpu").asInt()).isEqualTo(99);
        assertThat(sent.has("record_truncated")).isFalse();
    }

    private static JsonNode process(int maxSendBytes) throws Exception {
        IncidentProcessor processor = new IncidentProcessor("incidents", Duration.ofMinutes(1), "alerts",
                new IncidentProcessor.Listener() {
                    @Override
                    public void alerted(Alert alert) {
                    }

                    @Override
                    public void folded(Alert alert) {
                    }
                }, maxSendBytes);
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(0);
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("incidents"),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        processor.init(context);

        processor.process(new Record<>("e".getBytes(StandardCharsets.UTF_8), alert(VALUE), 5L));

        List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> forwarded = context.forwarded();
        assertThat(forwarded).hasSize(1);
        byte[] json = forwarded.get(0).record().value();
        assertThat(RecordSize.upperBound(forwarded.get(0).record().key(), json, null)).isLessThanOrEqualTo(maxSendBytes);
        return Json.MAPPER.readTree(json);
    }

    private static Alert alert(String record) {
        return new Alert("in:0:1", "in:0:1", "e", 5, 6, 50, 40, 1e-5, dev.vigil.calibration.Severity.MEDIUM, 2, 3,
                List.of(new Contribution("cpu", 99.0, 1.0, 0.7, 1e-6)), new SourceId("in", 0, 1), record);
    }
}
