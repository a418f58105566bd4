package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.SteadyTraffic;
import dev.vigil.testsupport.VigilProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Context survives a crash exactly under exactly_once_v2: Vigil ({@code vigil run} in a child JVM,
 * with a feature spec that has a context block, so records are repartitioned by host and each
 * host's state lives in a changelogged store) is killed with SIGKILL mid-stream and restarted. The
 * outputs of the transaction the kill cut off are aborted but still readable under
 * read_uncommitted; the restart replays those input offsets from the last committed state. Every
 * replayed offset must get a bit-identical score: the same context, the same model input, the same
 * -ELBO. Retraining is off, so a new model cannot come between a record and its replay.
 */
class ContextReplayIT {

    private static final Logger LOG = LoggerFactory.getLogger(ContextReplayIT.class);
    private static final int RATE = 300;
    /** Kills until one cuts off outputs the broker already holds: in CI runs the first kill often cut off none, and once three did not. */
    private static final int MAX_KILLS = 8;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void shouldGiveEveryReplayedOffsetABitIdenticalScoreAfterASigkill() throws Exception {
        List<VigilProcess> runs = new ArrayList<>();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0, KafkaBroker.TEST_OVERRIDES)) {
            String bootstrap = broker.bootstrapServers();
            Pipeline.Topics topics = Pipeline.Topics.create(bootstrap, 2);
            Map<String, String> config = Pipeline.instanceConfig(bootstrap, topics, dir, "exactly_once_v2", Pipeline.CONTEXT_SPEC);
            config.put(VigilConfig.TRAIN_ENABLED, "false");
            Map<SourceId, List<Output>> all;
            Map<SourceId, String> produced;
            // read_uncommitted: the aborted outputs of the cut-off transaction are what the replay is compared with.
            try (SteadyTraffic traffic = new SteadyTraffic(bootstrap, topics.input(), RATE,
                    TrafficGenerator.Options.defaults().withSeed(21));
                 Pipeline.Outputs outputs = new Pipeline.Outputs(bootstrap, topics, false)) {
                VigilProcess vigil = start(config, runs);
                for (int kill = 1; kill <= MAX_KILLS && replayed(outputs.all()).isEmpty(); kill++) {
                    awaitOutputBeyond(outputs, vigil, outputs.highestOffsets());
                    read(outputs, Duration.ofSeconds(3));
                    vigil.kill();
                    outputs.drain(Duration.ofSeconds(1));
                    Map<Integer, Long> before = outputs.highestOffsets();
                    vigil = start(config, runs);
                    awaitOutputBeyond(outputs, vigil, before);
                    read(outputs, Duration.ofSeconds(2));
                    LOG.info("context replay: after kill {}, {} input offsets have more than one output", kill,
                            replayed(outputs.all()).size());
                }
                traffic.stop();
                produced = Map.copyOf(traffic.produced());
                outputs.awaitAll(produced.keySet(), Duration.ofSeconds(120));
                all = outputs.drain(Duration.ofSeconds(2));
            } finally {
                for (VigilProcess run : runs) {
                    run.close();
                }
            }

            Map<SourceId, List<Output>> replayed = replayed(all);
            LOG.info("context replay: {} produced, {} offsets replayed after a SIGKILL", produced.size(), replayed.size());
            assertThat(replayed).as("offsets whose first outputs a SIGKILL cut off (the test needs some)").isNotEmpty();
            List<String> differing = replayed.entrySet().stream()
                    .filter(e -> e.getValue().stream().anyMatch(o -> !o.outcome().equals(e.getValue().get(0).outcome())
                            || Double.doubleToLongBits(o.score()) != Double.doubleToLongBits(e.getValue().get(0).score())))
                    .map(e -> e.getKey().id() + ": " + e.getValue()).limit(20).toList();
            assertThat(differing).as("replayed offsets whose outputs differ").isEmpty();
            assertThat(produced.keySet().stream().filter(id -> !all.containsKey(id)).count()).as("offsets without an output").isZero();
        }
    }

    /** Input offsets with more than one output: under read_uncommitted, an aborted one and the replay's. */
    private static Map<SourceId, List<Output>> replayed(Map<SourceId, List<Output>> all) {
        Map<SourceId, List<Output>> replayed = new java.util.HashMap<>();
        all.forEach((id, outputs) -> {
            if (outputs.size() > 1) {
                replayed.put(id, outputs);
            }
        });
        return replayed;
    }

    private VigilProcess start(Map<String, String> config, List<VigilProcess> runs) throws java.io.IOException {
        VigilProcess vigil = VigilProcess.start(config, dir, "vigil-" + (runs.size() + 1));
        runs.add(vigil);
        return vigil;
    }

    private static void awaitOutputBeyond(Pipeline.Outputs outputs, VigilProcess vigil, Map<Integer, Long> before) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!outputs.beyond(before)) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for %s to score", vigil.name()).isNegative();
            assertThat(vigil.isAlive()).as("%s is running", vigil.name()).isTrue();
            outputs.poll(Duration.ofMillis(50));
        }
    }

    private static void read(Pipeline.Outputs outputs, Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - until < 0) {
            outputs.poll(Duration.ofMillis(100));
        }
    }
}
