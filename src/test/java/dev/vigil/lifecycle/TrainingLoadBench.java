package dev.vigil.lifecycle;

import dev.vigil.bench.MetricsGenerator;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.service.VigilService;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.Retrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A measurement, not a test (no build runs it): how much a retraining of a 50k-record, 38-feature
 * window costs scoring, and how long it takes. A backlog of {@code MetricsGenerator} records is
 * preloaded once; an in-process {@link VigilService} (training off, a fresh application id each
 * run, so each run drains the whole backlog) is timed from RUNNING until every record has a score
 * record, alternately with and without a thread running {@link Retrainer#run} on a 50k window with
 * the service's own training settings ({@code vigil.train.epochs} default 100, one TensorFlow
 * thread). Run with the test classpath: {@code java -cp ... dev.vigil.lifecycle.TrainingLoadBench [records]}.
 */
public final class TrainingLoadBench {

    private static final FeatureSpec SPEC = MetricsGenerator.spec();
    private static final int WINDOW = 50_000;

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 600_000;
        Path dir = Files.createTempDirectory("training-load");
        VigilSettings defaults = VigilSettings.defaults();
        VaeConfig vae = defaults.training().vae(SPEC).withThreads(1);
        double[][] window = new MetricsGenerator(1, 0.0).rows(WINDOW);
        ModelBundle current = ModelTrainer.train(SPEC, new MetricsGenerator(2, 0.0).rows(20_000), vae.withEpochs(20),
                CalibrationSettings.defaults(), (e, t, v, s) -> { }).bundle();
        Path modelFile = dir.resolve("model.vigil");
        current.save(modelFile);
        // -Dbench.cpu.share=1.0 measures an unpaced retraining.
        double cpuShare = Double.parseDouble(System.getProperty("bench.cpu.share",
                Double.toString(defaults.training().cpuShare())));
        Retrainer retrainer = new Retrainer(SPEC, vae, CalibrationSettings.defaults(),
                defaults.alerts().policy(), 1.0, 0.05, cpuShare);

        long start = System.nanoTime();
        Retrainer.Outcome alone = retrainer.run(window, current);
        System.err.printf("RETRAIN alone (cpu share %.2f): %d x %d window in %.1f s (%s: %s)%n", cpuShare, WINDOW,
                MetricsGenerator.FEATURES, (System.nanoTime() - start) / 1e9, alone.result(), alone.reason());

        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0, Map.of())) {
            String input = "bench-input";
            try (Admin admin = admin(kafka)) {
                Topics.ensure(admin, List.of(TopicSpec.of(input, 1)));
            }
            preload(kafka, input, records);
            for (String run : List.of("warm-up", "idle", "training", "idle", "training", "idle", "training")) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger trainings = new AtomicInteger();
                Thread trainer = new Thread(() -> {
                    while (!stop.get()) {
                        retrainer.run(window, current);
                        trainings.incrementAndGet();
                    }
                }, "bench-trainer");
                trainer.setDaemon(true);
                if (run.equals("training")) {
                    trainer.start();
                    Thread.sleep(1_000); // past the graph building: the clock starts with the training in full swing
                }
                double seconds = drain(kafka, dir, modelFile, input, records, run);
                stop.set(true);
                System.err.printf("DRAIN %s: %d records in %.2f s = %.0f records/s%s%n", run, records, seconds, records / seconds,
                        run.equals("training") ? " (" + trainings.get() + " trainings finished meanwhile)" : "");
                trainer.join(); // the next run starts without a training in flight
            }
        }
    }

    /** Starts a fresh service on the backlog and returns the seconds from RUNNING until every record has a score record. */
    private static double drain(EmbeddedKafka kafka, Path dir, Path modelFile, String input, int records, String run) throws Exception {
        String id = run + "-" + System.nanoTime();
        String scores = "scores-" + id;
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("kafka.application.id", "bench-" + id);
        c.put(VigilConfig.INPUT_TOPICS, input);
        c.put(VigilConfig.SCORES_TOPIC, scores);
        c.put(VigilConfig.ALERTS_TOPIC, "alerts-" + id);
        c.put(VigilConfig.DEAD_LETTER_TOPIC, "dead-" + id);
        c.put(VigilConfig.MODELS_TOPIC, "models-" + id);
        c.put(VigilConfig.TRAINING_TOPIC, "training-" + id);
        c.put(VigilConfig.TOPICS_PARTITIONS, "1");
        c.put(VigilConfig.TRAIN_ENABLED, "false");
        c.put(VigilConfig.MODEL_FILE, modelFile.toString());
        c.put(VigilConfig.STATE_DIR, Files.createDirectories(dir.resolve(id)).toString());
        c.put(VigilConfig.HTTP_PORT, "0");
        try (VigilService vigil = new VigilService(VigilConfig.of(c), SPEC); Admin admin = admin(kafka)) {
            vigil.start();
            while (vigil.state() != KafkaStreams.State.RUNNING || vigil.models().currentVersion() < 1) {
                Thread.sleep(10);
            }
            long begin = System.nanoTime();
            TopicPartition out = new TopicPartition(scores, 0);
            while (admin.listOffsets(Map.of(out, OffsetSpec.latest())).partitionResult(out).get().offset() < records) {
                Thread.sleep(20);
            }
            return (System.nanoTime() - begin) / 1e9;
        }
    }

    private static void preload(EmbeddedKafka kafka, String topic, int records) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        MetricsGenerator generator = new MetricsGenerator(3, 0.01);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                byte[] key = generator.nextHost().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, generator.nextValue()));
            }
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
