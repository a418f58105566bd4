package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.ingest.FeatureSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeploySpecTest {

    @Test
    void shouldShipTheFeatureSpecOfTheGeneratedTrafficWithTheComposeStack() {
        FeatureSpec shipped = FeatureSpec.load(Path.of("deploy/compose/spec.json"));
        assertThat(shipped).as("regenerate with: bin/vigil generate --print-spec > deploy/compose/spec.json")
                .isEqualTo(DemoRunner.spec());
    }
}
