package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/** The parts of deploy/ that need no Prometheus to check (PrometheusDeployIT does the rest). */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("deploy");
    private final YAMLMapper yaml = new YAMLMapper();

    @Test
    void shouldShipTheSameRulesToThePrometheusOperatorAsToPlainPrometheus() throws IOException {
        JsonNode plain = yaml.readTree(DEPLOY.resolve("prometheus/alerts.yml").toFile()).get("groups");
        JsonNode operator = yaml.readTree(DEPLOY.resolve("k8s/prometheusrule.yaml").toFile()).get("spec").get("groups");

        assertThat(operator).isEqualTo(plain);
    }

    @Test
    void shouldHaveAtLeastSixDashboardPanelsAllOnTheDatasourceVariable() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/vigil.json").toFile());
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach(p -> {
            if (!p.path("type").asText().equals("row")) {
                panels.add(p);
            }
        });

        assertThat(panels).hasSizeGreaterThanOrEqualTo(6);
        assertThat(panels).extracting(p -> p.get("title").asText()).contains(
                "Throughput by outcome", "Anomaly rate", "Score vs threshold", "Latency percentiles",
                "Consumer lag", "Model version", "Model age", "Training history", "Dead letters");
        assertThat(panels).allSatisfy(p -> {
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            p.get("targets").forEach(t -> assertThat(t.path("datasource").path("uid").asText()).isEqualTo("${datasource}"));
        });
    }

    @Test
    void shouldMountOnlyFilesThatExistInTheComposeStack() throws IOException {
        JsonNode compose = yaml.readTree(DEPLOY.resolve("compose/docker-compose.yml").toFile());
        List<String> missing = new ArrayList<>();
        compose.get("services").forEach(service -> service.path("volumes").forEach(volume -> {
            String source = volume.asText().split(":")[0];
            if (source.startsWith(".") && !Files.exists(DEPLOY.resolve("compose").resolve(source))) {
                missing.add(source);
            }
        }));

        assertThat(missing).isEmpty();
        assertThat(Files.exists(DEPLOY.resolve("compose").resolve(compose.at("/services/vigil/build/context").asText())
                .resolve("Dockerfile"))).isTrue();
    }

    @Test
    void shouldRunTheKafkaVersionVigilIsBuiltAgainstInTheComposeStack() throws IOException {
        JsonNode compose = yaml.readTree(DEPLOY.resolve("compose/docker-compose.yml").toFile());

        // AppInfoParser reports the kafka-clients jar on the classpath, i.e. the pom's kafka.version.
        assertThat(compose.at("/services/kafka/image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    }

    @Test
    void shouldKeepStateOnAVolumeAndShutDownGracefullyOnKubernetes() throws IOException {
        JsonNode statefulSet = yaml.readTree(DEPLOY.resolve("k8s/statefulset.yaml").toFile());
        JsonNode pod = statefulSet.at("/spec/template/spec");

        assertThat(pod.get("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(30);
        assertThat(pod.at("/containers/0/volumeMounts").findValuesAsText("mountPath")).contains("/var/lib/vigil");
        assertThat(statefulSet.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
        assertThat(pod.at("/containers/0/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(pod.at("/containers/0/env").findValuesAsText("name")).contains("KAFKA_SASL_JAAS_CONFIG");
    }
}
