package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class KafkaTimesTest {

    private final Map<MetricName, Metric> metrics = new HashMap<>();

    private void put(String group, String name, String client, Object value) {
        MetricName metricName = new MetricName(name, group, "", Map.of("client-id", client));
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    @Test
    void shouldReadTheProducerAndCommitTimesOfEveryStreamThread() {
        put("producer-metrics", "record-queue-time-avg", "t1-producer", 4.0);
        put("producer-metrics", "record-queue-time-avg", "t2-producer", 6.0);
        put("producer-metrics", "record-queue-time-max", "t1-producer", 30.0);
        put("producer-metrics", "record-queue-time-max", "t2-producer", 12.0);
        put("producer-metrics", "request-latency-avg", "t1-producer", 2.5);
        put("stream-thread-metrics", "commit-latency-avg", "t1", 8.0);
        put("stream-thread-metrics", "commit-latency-max", "t1", 20.0);
        put("stream-thread-metrics", "commit-total", "t1", 7.0);
        put("stream-thread-metrics", "commit-total", "t2", 3.0);
        put("producer-metrics", "flush-time-ns-total", "t1-producer", 60e6);
        put("producer-metrics", "flush-time-ns-total", "t2-producer", 20e6);
        put("consumer-metrics", "commit-sync-time-ns-total", "t1-consumer", 25e6);
        put("producer-metrics", "txn-commit-time-ns-total", "t1-producer", 0.0);
        // Same names in another group are not the producer's.
        put("consumer-metrics", "request-latency-avg", "t1-consumer", 99.0);

        KafkaTimes times = KafkaTimes.of(metrics);

        assertThat(times.producerQueueTimeAvgMs()).isEqualTo(5.0);
        assertThat(times.producerQueueTimeMaxMs()).isEqualTo(30.0);
        assertThat(times.producerRequestLatencyAvgMs()).isEqualTo(2.5);
        assertThat(times.commitLatencyAvgMs()).isEqualTo(8.0);
        assertThat(times.commitLatencyMaxMs()).isEqualTo(20.0);
        assertThat(times.commits()).isEqualTo(10);
        // 80 ms of flushes and 25 ms of offset commits over 10 commits.
        assertThat(times.flushMsPerCommit()).isEqualTo(8.0);
        assertThat(times.offsetCommitMsPerCommit()).isEqualTo(2.5);
        assertThat(times.transactionCommitMsPerCommit()).isZero();
    }

    @Test
    void shouldSayNaNWhereKafkaHasNoSampleYet() {
        put("stream-thread-metrics", "commit-latency-avg", "t1", Double.NaN);
        put("stream-thread-metrics", "commit-total", "t1", 0.0);

        KafkaTimes times = KafkaTimes.of(metrics);

        assertThat(times.commitLatencyAvgMs()).isNaN();
        assertThat(times.commitLatencyMaxMs()).isNaN();
        assertThat(times.producerQueueTimeAvgMs()).isNaN();
        assertThat(times.commits()).isZero();
        assertThat(times.flushMsPerCommit()).isNaN();
    }
}
