package dev.vigil.bench;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What Kafka's own client metrics say about where a Streams application's latency goes: how long its producer
 * kept record batches before sending them (linger, or waiting for a free request slot), how long a produce request
 * took to be acknowledged, how long its stream threads spent in each commit, and what of that the producer's flush,
 * the consumer's offset commit and (exactly-once) the transaction's commit took. Kafka keeps averages and maxima
 * over its sample windows (two of 30 s by default), so for a bench run they cover the application's whole life.
 * NaN where Kafka has no sample yet (e.g. no commit happened).
 */
public record KafkaTimes(double producerQueueTimeAvgMs, double producerQueueTimeMaxMs, double producerRequestLatencyAvgMs,
                         double commitLatencyAvgMs, double commitLatencyMaxMs, long commits,
                         double flushMsPerCommit, double offsetCommitMsPerCommit, double transactionCommitMsPerCommit) {

    static final String PRODUCER_GROUP = "producer-metrics";
    static final String THREAD_GROUP = "stream-thread-metrics";
    static final String CONSUMER_GROUP = "consumer-metrics";

    /** From {@code KafkaStreams.metrics()}; with several stream threads, averages are averaged and maxima taken over them. */
    public static KafkaTimes of(Map<MetricName, ? extends Metric> metrics) {
        long commits = (long) sum(metrics, THREAD_GROUP, "commit-total");
        return new KafkaTimes(
                mean(metrics, PRODUCER_GROUP, "record-queue-time-avg"),
                max(metrics, PRODUCER_GROUP, "record-queue-time-max"),
                mean(metrics, PRODUCER_GROUP, "request-latency-avg"),
                mean(metrics, THREAD_GROUP, "commit-latency-avg"),
                max(metrics, THREAD_GROUP, "commit-latency-max"),
                commits,
                perCommitMs(metrics, PRODUCER_GROUP, "flush-time-ns-total", commits),
                perCommitMs(metrics, CONSUMER_GROUP, "commit-sync-time-ns-total", commits),
                perCommitMs(metrics, PRODUCER_GROUP, "txn-commit-time-ns-total", commits));
    }

    /** A nanosecond total over every client, in milliseconds per commit; NaN without a commit. */
    private static double perCommitMs(Map<MetricName, ? extends Metric> metrics, String group, String name, long commits) {
        return commits == 0 ? Double.NaN : sum(metrics, group, name) / 1e6 / commits;
    }

    /** Flat keys, each starting with {@code prefix}. */
    void putInto(Map<String, Object> m, String prefix) {
        m.put(prefix + "producer_queue_time_avg_ms", ThroughputBench.Result.round3(producerQueueTimeAvgMs));
        m.put(prefix + "producer_queue_time_max_ms", ThroughputBench.Result.round3(producerQueueTimeMaxMs));
        m.put(prefix + "producer_request_latency_avg_ms", ThroughputBench.Result.round3(producerRequestLatencyAvgMs));
        m.put(prefix + "commit_latency_avg_ms", ThroughputBench.Result.round3(commitLatencyAvgMs));
        m.put(prefix + "commit_latency_max_ms", ThroughputBench.Result.round3(commitLatencyMaxMs));
        m.put(prefix + "commits", commits);
        m.put(prefix + "commit_flush_ms_avg", ThroughputBench.Result.round3(flushMsPerCommit));
        m.put(prefix + "commit_offsets_ms_avg", ThroughputBench.Result.round3(offsetCommitMsPerCommit));
        m.put(prefix + "commit_transaction_ms_avg", ThroughputBench.Result.round3(transactionCommitMsPerCommit));
    }

    private static double mean(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        double total = 0;
        int n = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            double v = value(e, group, name);
            if (Double.isFinite(v)) {
                total += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : total / n;
    }

    private static double max(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        double max = Double.NaN;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            double v = value(e, group, name);
            if (Double.isFinite(v) && (Double.isNaN(max) || v > max)) {
                max = v;
            }
        }
        return max;
    }

    private static double sum(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            double v = value(e, group, name);
            if (Double.isFinite(v)) {
                total += v;
            }
        }
        return total;
    }

    /** The metric's value if it is {@code group}/{@code name}, else NaN. */
    private static double value(Map.Entry<MetricName, ? extends Metric> e, String group, String name) {
        if (!e.getKey().group().equals(group) || !e.getKey().name().equals(name)) {
            return Double.NaN;
        }
        return e.getValue().metricValue() instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
