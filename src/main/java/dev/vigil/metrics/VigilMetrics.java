package dev.vigil.metrics;

import dev.vigil.calibration.Severity;
import dev.vigil.score.Outcome;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Vigil's Prometheus metrics: one instance per process (tests may make several), each with its own
 * {@link PrometheusRegistry}, so nothing leaks through the library's default registry.
 *
 * <p>The topology and the trainer report through the typed methods below; nothing here knows about
 * records. Every label has a bounded set of values: input topics come from configuration, outcomes
 * and training results are fixed, severities and dead-letter reasons are capped by
 * {@link BoundedLabel}. Values that change by themselves (model age, Kafka consumer lag, Kafka
 * Streams state) are read when Prometheus scrapes, never pushed.
 *
 * <p>All methods are thread-safe.
 */
public final class VigilMetrics {

    /** Results a training run can end with; the values of the {@code result} label. */
    public static final List<String> TRAINING_RESULTS = List.of("promoted", "rejected", "failed");

    /** Distinct severities and dead-letter reasons kept before new ones are folded into "other". */
    static final int MAX_FREE_LABEL_VALUES = 16;

    // Scores are -ELBO in nats: mostly tens for normal traffic, unbounded above for anomalies, and
    // negative when the decoder's variances are small. Classic buckets so histogram_quantile works
    // on every Prometheus, with or without native histograms enabled.
    private static final double[] SCORE_BUCKETS = {
        -100, -50, -25, -10, 0, 10, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000, 2500, 10000};
    private static final double[] BATCH_SECONDS_BUCKETS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
    // The latency target is p99 < 25 ms; buckets are dense around it and reach minutes for backlogs.
    private static final double[] LATENCY_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
    // A batch waits at most vigil.score.batch.max.wait.ms (5 ms by default) when the stream thread is free; the
    // buckets above it show how much longer records wait when it is not.
    private static final double[] BUFFER_WAIT_BUCKETS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    private static final double[] TRAINING_SECONDS_BUCKETS = {
        1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600, 1800};

    private static final Unit NATS = new Unit("nats");
    private static final Unit RECORDS = new Unit("records");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;

    private final Counter records;
    private final Histogram score;
    // NaN until set: a gauge that reads 0 before the first model would plot a false threshold and
    // make "seconds since last success" look like 55 years.
    private final AtomicReference<Double> threshold = new AtomicReference<>(Double.NaN);
    private final Histogram batchSize;
    private final Histogram batchDuration;
    private final Histogram bufferWait;
    private final Histogram endToEndLatency;
    private final Counter deadLetters;
    private final Counter outputsDropped;
    private final Counter alerts;
    private final Counter incidents;
    private final Counter trainingRuns;
    private final Histogram trainingDuration;
    private final Gauge trainingLoss;
    private final AtomicReference<Double> trainingLastSuccess = new AtomicReference<>(Double.NaN);
    private final Gauge windowSize;
    private final Gauge windowCalibrationOnly;
    private final Counter shifts;
    private final Gauge shiftActive;

    private final BoundedLabel deadLetterReasons = new BoundedLabel(MAX_FREE_LABEL_VALUES);
    private final BoundedLabel droppedTopics = new BoundedLabel(MAX_FREE_LABEL_VALUES);

    /** Entities whose context each stream task of this instance holds, by task id. */
    private final Map<String, Long> contextEntities = new ConcurrentHashMap<>();
    private final AtomicReference<ModelInfo> model = new AtomicReference<>();
    private final AtomicReference<KafkaSource> kafka = new AtomicReference<>();

    private record ModelInfo(long version, long createdAtEpochMs, long parameters) {}

    private record KafkaSource(
            Supplier<? extends Map<MetricName, ? extends Metric>> metrics,
            Supplier<KafkaStreams.State> state) {}

    /** Metrics on the system clock, with JVM and process metrics. */
    public VigilMetrics() {
        this(Clock.systemUTC());
    }

    /** Metrics whose time-derived values (model age, last success) use {@code clock}. */
    public VigilMetrics(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");

        records = Counter.builder()
                .name("vigil_records_total")
                .help("Input records by what became of them: normal, anomaly, unscored (no model yet) or dead_letter")
                .labelNames("topic", "outcome")
                .register(registry);
        score = Histogram.builder()
                .name("vigil_score_nats")
                .help("Anomaly scores (negative ELBO of the record under the current model)")
                .unit(NATS)
                .classicOnly()
                .classicUpperBounds(SCORE_BUCKETS)
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_score_threshold_nats")
                .help("Score above which a record is an anomaly, calibrated with the current model; absent until set")
                .unit(NATS)
                .callback(cb -> callIfSet(cb, threshold))
                .register(registry);
        batchSize = Histogram.builder()
                .name("vigil_score_batch_size_records")
                .help("Records per scoring batch (one model call each)")
                .unit(RECORDS)
                .classicOnly()
                .classicExponentialUpperBounds(1, 2, 13)
                .register(registry);
        batchDuration = Histogram.builder()
                .name("vigil_score_batch_duration_seconds")
                .help("Time to score one batch")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(BATCH_SECONDS_BUCKETS)
                .register(registry);
        bufferWait = Histogram.builder()
                .name("vigil_score_buffer_wait_seconds")
                .help("Time a record waited in the micro-batch buffer, from being accepted to its batch's model call")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(BUFFER_WAIT_BUCKETS)
                .register(registry);
        endToEndLatency = Histogram.builder()
                .name("vigil_end_to_end_latency_seconds")
                .help("Time from the input record's timestamp to its output being forwarded")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .register(registry);
        deadLetters = Counter.builder()
                .name("vigil_dead_letters_total")
                .help("Records sent to the dead-letter topic, by reason class")
                .labelNames("reason")
                .register(registry);
        outputsDropped = Counter.builder()
                .name("vigil_output_records_dropped_total")
                .help("Output records Kafka refused (e.g. larger than the topic's max.message.bytes) that Vigil skipped "
                        + "so that the stream thread goes on; each one is logged. Should stay 0: outputs are sized before sending")
                .labelNames("topic")
                .register(registry);
        alerts = Counter.builder()
                .name("vigil_alerts_total")
                .help("Anomalous records, by severity (pages are vigil_incidents_total)")
                .labelNames("severity")
                .register(registry);
        incidents = Counter.builder()
                .name("vigil_incidents_total")
                .help("Incidents opened (consecutive anomalies of one entity fold into one), by severity")
                .labelNames("severity")
                .register(registry);
        trainingRuns = Counter.builder()
                .name("vigil_training_runs_total")
                .help("Training runs by result: promoted (candidate replaced the model), rejected (worse than current), failed")
                .labelNames("result")
                .register(registry);
        TRAINING_RESULTS.forEach(trainingRuns::initLabelValues);
        trainingDuration = Histogram.builder()
                .name("vigil_training_duration_seconds")
                .help("Wall time of a training run, validation included")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(TRAINING_SECONDS_BUCKETS)
                .register(registry);
        trainingLoss = Gauge.builder()
                .name("vigil_training_loss_nats")
                .help("Loss (mean negative ELBO per record) of the last training run that reported one, by split")
                .unit(NATS)
                .labelNames("split")
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_training_last_success_timestamp_seconds")
                .help("Unix time of the last training run that completed (promoted or rejected); absent until one has, and on instances that do not train")
                .unit(Unit.SECONDS)
                .callback(cb -> callIfSet(cb, trainingLastSuccess))
                .register(registry);
        windowSize = Gauge.builder()
                .name("vigil_training_window_size_records")
                .help("Records in the rolling training window; only on the instance that owns the window")
                .unit(RECORDS)
                .register(registry);
        windowCalibrationOnly = Gauge.builder()
                .name("vigil_training_window_calibration_only_records")
                .help("Records in the rolling training window kept to calibrate with only, not to train on")
                .unit(RECORDS)
                .register(registry);
        shifts = Counter.builder()
                .name("vigil_training_shifts_total")
                .help("Sustained shifts of normal traffic recognised as a new normal (each triggers a retraining)")
                .register(registry);
        shifts.initLabelValues();
        shiftActive = Gauge.builder()
                .name("vigil_training_shift_active")
                .help("1 while the window adapts to a sustained shift (records admitted by rank), else 0")
                .register(registry);
        shiftActive.set(0);

        GaugeWithCallback.builder()
                .name("vigil_context_entities")
                .help("Entities whose context (recent summary for context features and silence) this instance holds, "
                        + "over its stream tasks; counted every few seconds of stream time")
                .callback(cb -> cb.call(contextEntities.values().stream().mapToLong(Long::longValue).sum()))
                .register(registry);

        registerModelGauges();
        registerKafkaCollectors();
        JvmMetrics.builder().register(registry);
    }

    /** The registry to scrape. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Declares an input topic so that its four outcome series exist, at 0, before any record. */
    public void registerInputTopic(String inputTopic) {
        Objects.requireNonNull(inputTopic, "inputTopic");
        for (Outcome outcome : Outcome.values()) {
            records.initLabelValues(inputTopic, outcome.label());
        }
    }

    /** Counts one record of {@code inputTopic} with the given outcome. */
    public void recordOutcome(String inputTopic, Outcome outcome) {
        recordOutcomes(inputTopic, outcome, 1);
    }

    /** Counts {@code count} records of {@code inputTopic} with the given outcome (for batches). */
    public void recordOutcomes(String inputTopic, Outcome outcome, long count) {
        Objects.requireNonNull(outcome, "outcome");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        registerInputTopic(inputTopic); // first sight of a topic still exposes all four outcomes
        records.labelValues(inputTopic, outcome.label()).inc(count);
    }

    /** Observes one anomaly score (nats); non-finite scores are not observed. */
    public void observeScore(double scoreNats) {
        if (Double.isFinite(scoreNats)) {
            score.observe(scoreNats);
        }
    }

    /** Sets the threshold in use (nats). */
    public void setThreshold(double thresholdNats) {
        threshold.set(thresholdNats);
    }

    /** Observes one scoring batch: its size and how long the model call took. */
    public void observeBatch(int size, double seconds) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        batchSize.observe(size);
        batchDuration.observe(seconds);
    }

    /** Observes how long one record waited in the micro-batch buffer before its batch's model call. */
    public void observeBufferWait(double seconds) {
        if (Double.isFinite(seconds)) {
            bufferWait.observe(Math.max(0, seconds));
        }
    }

    /** Observes the delay from an input record's timestamp to its output. */
    public void observeEndToEndLatency(double seconds) {
        if (Double.isFinite(seconds)) {
            // A producer clock ahead of ours gives a negative delay: count it as zero, not lose it.
            endToEndLatency.observe(Math.max(0, seconds));
        }
    }

    /**
     * Counts one dead letter. {@code reasonClass} must be a class of reason ({@code not_json},
     * {@code missing_field}, ...), not a message; past {@value #MAX_FREE_LABEL_VALUES} distinct
     * classes, new ones count as {@code other}.
     */
    public void deadLetter(String reasonClass) {
        deadLetters.labelValues(deadLetterReasons.admit(reasonClass)).inc();
    }

    /**
     * Counts one output record that was refused and skipped, by the topic it was meant for, normalized like every free label (Vigil's
     * own topics and changelogs; bounded like {@link #deadLetter}).
     */
    public void outputDropped(String topic) {
        outputsDropped.labelValues(droppedTopics.admit(topic)).inc();
    }

    /** Counts one alert of the given severity (a closed set, so the label is bounded). */
    public void alert(Severity severity) {
        alerts.labelValues(severity.label()).inc();
    }

    /** Counts one new incident of the given severity. */
    public void incident(Severity severity) {
        incidents.labelValues(severity.label()).inc();
    }

    /**
     * Declares the model now in use. Its age is computed at each scrape from
     * {@code createdAtEpochMs}, so it grows without further calls.
     */
    public void setModel(long version, long createdAtEpochMs, long parameters) {
        if (version < 1) {
            throw new IllegalArgumentException("model versions start at 1, was " + version);
        }
        model.set(new ModelInfo(version, createdAtEpochMs, parameters));
    }

    /**
     * Reports one finished training run.
     *
     * @param result         {@code promoted}, {@code rejected} or {@code failed}
     * @param seconds        wall time of the run
     * @param trainLoss      final training loss (nats per record); NaN when the run has none
     * @param validationLoss candidate's validation loss (nats per record); NaN when it has none
     */
    public void trainingRun(String result, double seconds, double trainLoss, double validationLoss) {
        if (!TRAINING_RESULTS.contains(result)) {
            throw new IllegalArgumentException("training result must be one of " + TRAINING_RESULTS + ", was " + result);
        }
        trainingRuns.labelValues(result).inc();
        if (Double.isFinite(seconds)) {
            trainingDuration.observe(seconds);
        }
        if (Double.isFinite(trainLoss)) {
            trainingLoss.labelValues("train").set(trainLoss);
        }
        if (Double.isFinite(validationLoss)) {
            trainingLoss.labelValues("validation").set(validationLoss);
        }
        if (!result.equals("failed")) {
            trainingLastSuccess.set(clock.millis() / 1000.0);
        }
    }

    /** Counts a sustained shift recognised as a new normal. */
    public void shiftDetected() {
        shifts.inc();
        shiftActive.set(1);
    }

    /** The window finished adapting to a shift. */
    public void shiftSettled() {
        shiftActive.set(0);
    }

    /** Sets the number of entities whose context stream task {@code task} holds (0 when the task closes). */
    public void setContextEntities(String task, long entities) {
        contextEntities.put(task, entities);
    }

    /** Sets the number of records in the rolling training window, and how many of them only calibrate. */
    public void setWindowSize(long records, long calibrationOnly) {
        windowSize.set(records);
        windowCalibrationOnly.set(calibrationOnly);
    }

    /**
     * Exposes the consumer lag and a few Kafka Streams metrics of {@code streams}, read at each
     * scrape. Binding again (a restarted client) replaces the previous one.
     */
    public void bindKafkaStreams(KafkaStreams streams) {
        Objects.requireNonNull(streams, "streams");
        bindKafka(streams::metrics, streams::state);
    }

    /** Seam for tests: any source of Kafka metrics and of a client state. */
    void bindKafka(Supplier<? extends Map<MetricName, ? extends Metric>> metrics, Supplier<KafkaStreams.State> state) {
        kafka.set(new KafkaSource(Objects.requireNonNull(metrics), Objects.requireNonNull(state)));
    }

    private static void callIfSet(GaugeWithCallback.Callback cb, AtomicReference<Double> value) {
        double v = value.get();
        if (!Double.isNaN(v)) {
            cb.call(v);
        }
    }

    private void registerModelGauges() {
        GaugeWithCallback.builder()
                .name("vigil_model_version")
                .help("Version of the model in use; 0 during cold start (no model yet)")
                .callback(cb -> {
                    ModelInfo m = model.get();
                    cb.call(m == null ? 0 : m.version());
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_model_age_seconds")
                .help("Time since the model in use was created; absent during cold start")
                .unit(Unit.SECONDS)
                .callback(cb -> {
                    ModelInfo m = model.get();
                    if (m != null) {
                        cb.call((clock.millis() - m.createdAtEpochMs()) / 1000.0);
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_model_parameters")
                .help("Number of trainable parameters of the model in use; absent during cold start")
                .callback(cb -> {
                    ModelInfo m = model.get();
                    if (m != null) {
                        cb.call(m.parameters());
                    }
                })
                .register(registry);
    }

    // ---- Kafka Streams: names as registered by the 4.x clients (see KafkaStreams#metrics()) ----

    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    private static final String STREAM_GROUP = "stream-metrics";
    private static final String THREAD_GROUP = "stream-thread-metrics";
    private static final String THREAD_MARKER = "StreamThread-";
    private static final List<String> THREAD_ACTIVITIES = List.of("process", "poll", "commit", "punctuate");

    private void registerKafkaCollectors() {
        GaugeWithCallback.builder()
                .name("vigil_consumer_lag_records")
                .help("Records between the end of an input partition and this instance's position (Kafka's records-lag), per assigned partition")
                .unit(RECORDS)
                .labelNames("topic", "partition")
                .callback(cb -> consumerLag().forEach((tp, lag) -> cb.call(lag, tp.get(0), tp.get(1))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_streams_state")
                .help("Kafka Streams client state: 1 for the current state, 0 for the others")
                .labelNames("state")
                .callback(cb -> {
                    KafkaSource source = kafka.get();
                    if (source != null) {
                        KafkaStreams.State current = source.state().get();
                        for (KafkaStreams.State s : KafkaStreams.State.values()) {
                            cb.call(s == current ? 1 : 0, s.name());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_streams_alive_threads")
                .help("Kafka Streams threads running or taking part in a rebalance (alive-stream-threads)")
                .callback(cb -> eachKafkaMetric(STREAM_GROUP, "alive-stream-threads", (name, v) -> cb.call(v)))
                .register(registry);
        CounterWithCallback.builder()
                .name("vigil_streams_failed_threads_total")
                .help("Kafka Streams threads that died since the client started (failed-stream-threads)")
                .callback(cb -> eachKafkaMetric(STREAM_GROUP, "failed-stream-threads", (name, v) -> cb.call(v)))
                .register(registry);
        CounterWithCallback.builder()
                .name("vigil_streams_processed_records_total")
                .help("Records processed by each Kafka Streams thread (process-total)")
                .labelNames("thread")
                .callback(cb -> eachKafkaMetric(THREAD_GROUP, "process-total",
                        (name, v) -> cb.call(v, threadLabel(name))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_streams_thread_time_ratio")
                .help("Share of recent wall time each Kafka Streams thread spent per activity (process-ratio, poll-ratio, ...)")
                .unit(Unit.RATIO)
                .labelNames("thread", "activity")
                .callback(cb -> THREAD_ACTIVITIES.forEach(activity -> eachKafkaMetric(THREAD_GROUP, activity + "-ratio",
                        (name, v) -> cb.call(v, threadLabel(name), activity))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("vigil_streams_commit_latency_avg_seconds")
                .help("Average commit latency of each Kafka Streams thread over the recent window (commit-latency-avg)")
                .unit(Unit.SECONDS)
                .labelNames("thread")
                .callback(cb -> eachKafkaMetric(THREAD_GROUP, "commit-latency-avg",
                        (name, v) -> cb.call(v / 1000.0, threadLabel(name))))
                .register(registry);
    }

    /**
     * Lag per (topic, partition) from the stream threads' main consumers. The restore and global
     * consumers read changelogs and the models topic, not input, so they are left out. Since Kafka
     * 3.x a topic with dots is also reported under a deprecated name with underscores; that
     * duplicate is dropped. Two threads can briefly both report a partition during a hand-over:
     * the larger lag is kept.
     */
    Map<List<String>, Double> consumerLag() {
        Map<List<String>, Double> lag = new HashMap<>();
        eachKafkaMetric(FETCH_GROUP, "records-lag", (name, value) -> {
            Map<String, String> tags = name.tags();
            String client = tags.getOrDefault("client-id", "");
            String topic = tags.get("topic");
            String partition = tags.get("partition");
            if (topic == null || partition == null || !isMainConsumer(client)) {
                return;
            }
            lag.merge(List.of(topic, partition), value, Math::max);
        });
        Set<String> deprecatedNames = new HashSet<>();
        for (List<String> tp : lag.keySet()) {
            if (tp.get(0).contains(".")) {
                deprecatedNames.add(tp.get(0).replace('.', '_'));
            }
        }
        lag.keySet().removeIf(tp -> deprecatedNames.contains(tp.get(0)));
        return lag;
    }

    private static boolean isMainConsumer(String clientId) {
        return clientId.endsWith("-consumer")
                && !clientId.endsWith("-restore-consumer")
                && !clientId.endsWith("-global-consumer");
    }

    /** "app-3f2c...-StreamThread-2" -> "StreamThread-2": the client UUID would churn series on every restart. */
    private static String threadLabel(MetricName name) {
        String thread = name.tags().getOrDefault("thread-id", "unknown");
        int at = thread.lastIndexOf(THREAD_MARKER);
        return at >= 0 ? thread.substring(at) : thread;
    }

    /** Calls {@code action} for every finite numeric Kafka metric with this group and name. */
    private void eachKafkaMetric(String group, String metricName, BiConsumer<MetricName, Double> action) {
        KafkaSource source = kafka.get();
        if (source == null) {
            return;
        }
        for (Map.Entry<MetricName, ? extends Metric> e : source.metrics().get().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals(group) && name.name().equals(metricName)
                    && e.getValue().metricValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
                action.accept(name, n.doubleValue());
            }
        }
    }
}
