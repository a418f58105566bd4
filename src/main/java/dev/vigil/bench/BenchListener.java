package dev.vigil.bench;

import dev.vigil.ingest.ErrorClass;
import dev.vigil.score.Outcome;
import dev.vigil.topology.VigilTopology;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a bench run of Vigil's topology reports: records processed and time in the model, and in a latency run
 * ({@code timed}) for each record how long after its timestamp its score was forwarded, its wait in the micro-batch
 * buffer and the model call it waited for. A throughput run asks for no timing, so it pays for none.
 */
final class BenchListener implements VigilTopology.Listener {

    private final boolean timed;
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong scoreNanos = new AtomicLong();
    private final LatencyHistogram untilForwarded = new LatencyHistogram();
    private final LatencyHistogram bufferWait = new LatencyHistogram();
    private final LatencyHistogram scoreCall = new LatencyHistogram();
    private final AtomicLong batches = new AtomicLong();

    BenchListener(boolean timed) {
        this.timed = timed;
    }

    /** Input records that came out as a score or a dead letter. */
    AtomicLong processed() {
        return processed;
    }

    /** Total time in {@code BatchScorer.score}. */
    AtomicLong scoreNanos() {
        return scoreNanos;
    }

    /** Forgets the timings so far (those of the settling second). */
    void resetTimes() {
        untilForwarded.reset();
        bufferWait.reset();
        scoreCall.reset();
        batches.set(0);
    }

    LatencyPoint.Scoring scoring() {
        long b = batches.get();
        return new LatencyPoint.Scoring(untilForwarded.percentileMs(0.5), untilForwarded.percentileMs(0.99),
                untilForwarded.percentileMs(1), bufferWait.percentileMs(0.5), bufferWait.percentileMs(0.99), bufferWait.percentileMs(1),
                scoreCall.percentileMs(0.5), scoreCall.percentileMs(0.99), scoreCall.percentileMs(1),
                b == 0 ? Double.NaN : (double) scoreCall.count() / b);
    }

    @Override
    public boolean timesBufferWait() {
        return timed;
    }

    @Override
    public void bufferWaited(long nanos) {
        bufferWait.record(nanos);
    }

    @Override
    public void batchScored(int size, long nanos) {
        scoreNanos.addAndGet(nanos);
        if (timed) {
            // Once per record: the share of records that waited this long for their batch's call.
            scoreCall.record(nanos, size);
            batches.incrementAndGet();
        }
    }

    @Override
    public void deadLetter(String sourceTopic, ErrorClass errorClass) {
        processed.incrementAndGet();
    }

    @Override
    public void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
        processed.incrementAndGet();
        if (timed) {
            // Called just after the score was forwarded; the timestamp is the bench producer's clock, the same as ours.
            untilForwarded.record((System.currentTimeMillis() - timestamp) * 1_000_000L);
        }
    }
}
