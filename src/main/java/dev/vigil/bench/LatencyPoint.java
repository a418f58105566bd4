package dev.vigil.bench;

import java.util.Map;

/**
 * End-to-end latency of the pass-through and of Vigil at one offered rate, each its own fresh application on its
 * own input, with the parts of Vigil's latency that can be timed: how long records took to be forwarded, of which
 * they waited in the micro-batch buffer and for their batch's model call, and what Kafka's metrics say of producing
 * and committing (for the pass-through too, as the floor).
 */
public record LatencyPoint(double rate, App passThrough, App vigil, Scoring scoring) {

    /**
     * One application at this rate: percentiles over the records sent after the first second, and its Kafka times.
     *
     * @param missing records sent that got no output before the run gave up waiting
     */
    public record App(long samples, long missing, double p50Ms, double p99Ms, double maxMs, KafkaTimes kafka) {
    }

    /**
     * Vigil's own parts, over the records after the first second. "Until forwarded" is from the input record's
     * timestamp (taken just before the bench's producer sends it) to Vigil forwarding its score, in whole
     * milliseconds (Kafka's timestamps): the end-to-end latency less the score's way out (the Streams producer, the
     * broker, the consumer's fetch). The model call is {@code BatchScorer.score} for a whole batch (TensorFlow plus
     * p-values and decisions), counted once per record of the batch: the call each record waited for.
     */
    public record Scoring(double untilForwardedP50Ms, double untilForwardedP99Ms, double untilForwardedMaxMs,
                          double bufferWaitP50Ms, double bufferWaitP99Ms, double bufferWaitMaxMs, double scoreCallP50Ms,
                          double scoreCallP99Ms, double scoreCallMaxMs, double batchRecordsAvg) {
    }

    /**
     * Flat keys, each starting with {@code prefix}: Vigil's latency as {@code latency_*} (the bench's first keys, kept),
     * the pass-through's as {@code passthrough_latency_*}, the parts as {@code vigil_*} and {@code passthrough_*}.
     */
    public void putInto(Map<String, Object> m, String prefix) {
        putLatency(m, prefix + "latency_", vigil);
        putLatency(m, prefix + "passthrough_latency_", passThrough);
        m.put(prefix + "vigil_until_forwarded_p50_ms", ThroughputBench.Result.round3(scoring.untilForwardedP50Ms()));
        m.put(prefix + "vigil_until_forwarded_p99_ms", ThroughputBench.Result.round3(scoring.untilForwardedP99Ms()));
        m.put(prefix + "vigil_until_forwarded_max_ms", ThroughputBench.Result.round3(scoring.untilForwardedMaxMs()));
        m.put(prefix + "vigil_buffer_wait_p50_ms", ThroughputBench.Result.round3(scoring.bufferWaitP50Ms()));
        m.put(prefix + "vigil_buffer_wait_p99_ms", ThroughputBench.Result.round3(scoring.bufferWaitP99Ms()));
        m.put(prefix + "vigil_buffer_wait_max_ms", ThroughputBench.Result.round3(scoring.bufferWaitMaxMs()));
        m.put(prefix + "vigil_score_call_p50_ms", ThroughputBench.Result.round3(scoring.scoreCallP50Ms()));
        m.put(prefix + "vigil_score_call_p99_ms", ThroughputBench.Result.round3(scoring.scoreCallP99Ms()));
        m.put(prefix + "vigil_score_call_max_ms", ThroughputBench.Result.round3(scoring.scoreCallMaxMs()));
        m.put(prefix + "vigil_batch_records_avg", ThroughputBench.Result.round(scoring.batchRecordsAvg()));
        vigil.kafka().putInto(m, prefix + "vigil_");
        passThrough.kafka().putInto(m, prefix + "passthrough_");
    }

    private static void putLatency(Map<String, Object> m, String prefix, App app) {
        m.put(prefix + "p50_ms", ThroughputBench.Result.round3(app.p50Ms()));
        m.put(prefix + "p99_ms", ThroughputBench.Result.round3(app.p99Ms()));
        m.put(prefix + "max_ms", ThroughputBench.Result.round3(app.maxMs()));
        m.put(prefix + "samples", app.samples());
        m.put(prefix + "missing", app.missing());
    }
}
