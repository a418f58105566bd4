package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.kafka.RecordSize;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    private static final int MAX = 10_000;

    @Test
    void shouldKeepARecordWholeWhenItFits() {
        byte[] value = bytes(5_000, 'v');
        Headers original = new RecordHeaders().add("trace", utf8("abc"));

        DeadLetters.DeadLetter d = deadLetter(utf8("host-1"), value, original, MAX);

        assertThat(d.truncated()).isFalse();
        assertThat(d.value()).isEqualTo(value);
        assertThat(d.key()).isEqualTo(utf8("host-1"));
        assertThat(header(d, "trace")).isEqualTo("abc");
        assertThat(d.headers().lastHeader(DeadLetters.TRUNCATED)).isNull();
        assertThat(header(d, DeadLetters.ERROR_CLASS)).isEqualTo("too_large");
    }

    @Test
    void shouldCutTheValueToAPrefixWithItsSizeAndSha256WhenTheRecordIsTooLarge() {
        byte[] value = bytes(50_000, 'v');
        value[0] = '{';

        DeadLetters.DeadLetter d = deadLetter(utf8("host-1"), value, new RecordHeaders().add("trace", utf8("abc")), MAX);

        assertThat(d.truncated()).isTrue();
        assertThat(RecordSize.upperBound(d.key(), d.value(), d.headers())).isLessThanOrEqualTo(MAX);
        assertThat(d.value().length).as("the prefix fills what is left").isGreaterThan(MAX - 1_000);
        assertThat(d.value()).isEqualTo(Arrays.copyOf(value, d.value().length));
        assertThat(d.key()).isEqualTo(utf8("host-1"));
        assertThat(header(d, "trace")).isEqualTo("abc");
        assertThat(header(d, DeadLetters.TRUNCATED)).isEqualTo("value");
        assertThat(header(d, DeadLetters.ORIGINAL_VALUE_BYTES)).isEqualTo("50000");
        assertThat(header(d, DeadLetters.ORIGINAL_VALUE_SHA256)).isEqualTo(RecordSize.sha256(value)).hasSize(64);
        assertThat(d.headers().lastHeader(DeadLetters.ORIGINAL_KEY_BYTES)).isNull();
    }

    @Test
    void shouldCutTheKeyTooWhenTheKeyAloneIsTooLarge() {
        byte[] key = bytes(30_000, 'k');
        byte[] value = utf8("{\"cpu\":1}");

        DeadLetters.DeadLetter d = deadLetter(key, value, null, MAX);

        assertThat(RecordSize.upperBound(d.key(), d.value(), d.headers())).isLessThanOrEqualTo(MAX);
        assertThat(header(d, DeadLetters.TRUNCATED)).isEqualTo("key");
        assertThat(d.value()).as("the small value is kept whole").isEqualTo(value);
        assertThat(d.key()).isEqualTo(Arrays.copyOf(key, d.key().length));
        assertThat(header(d, DeadLetters.ORIGINAL_KEY_BYTES)).isEqualTo("30000");
        assertThat(header(d, DeadLetters.ORIGINAL_KEY_SHA256)).isEqualTo(RecordSize.sha256(key));
    }

    @Test
    void shouldLeaveOutTheOriginalHeadersWhenTheyAloneAreTooLarge() {
        Headers original = new RecordHeaders().add("huge", bytes(20_000, 'h')).add("small", utf8("x"));

        DeadLetters.DeadLetter d = deadLetter(utf8("k"), bytes(3_000, 'v'), original, MAX);

        assertThat(RecordSize.upperBound(d.key(), d.value(), d.headers())).isLessThanOrEqualTo(MAX);
        assertThat(header(d, DeadLetters.TRUNCATED)).isEqualTo("headers");
        assertThat(header(d, DeadLetters.ORIGINAL_HEADERS_COUNT)).isEqualTo("2");
        assertThat(d.headers().lastHeader("huge")).isNull();
        assertThat(header(d, DeadLetters.SOURCE_OFFSET)).isEqualTo("7");
    }

    @Test
    void shouldFitExactlyAtTheBoundary() {
        byte[] value = bytes(20_000, 'v');
        for (int max = 1_000; max < 1_100; max++) {
            DeadLetters.DeadLetter d = deadLetter(null, value, null, max);
            assertThat(RecordSize.upperBound(d.key(), d.value(), d.headers())).as("max " + max).isLessThanOrEqualTo(max);
        }
    }

    private static DeadLetters.DeadLetter deadLetter(byte[] key, byte[] value, Headers headers, int max) {
        return DeadLetters.deadLetter(key, value, headers, ErrorClass.TOO_LARGE, "too large", "in", 0, 7, 1_000L, max);
    }

    private static String header(DeadLetters.DeadLetter d, String name) {
        Header h = d.headers().lastHeader(name);
        assertThat(h).as("header " + name).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
