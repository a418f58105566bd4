package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec.Feature;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

    private static final FeatureSpec PLAIN = new FeatureSpec("host", null,
            List.of(Feature.numeric("cpu"), Feature.categorical("region", List.of("eu", "us"))));

    @Test
    void shouldKeepTheFingerprintOfASpecWithoutContext() {
        // The fingerprint of this spec before context existed (commit b043e1c): existing models still load.
        assertThat(PLAIN.fingerprint()).isEqualTo("8ef833cbd59b15fe4f06f983e8c6f2d324d2f9d36501b0cfe37c2cad725c0b93");
    }

    @Test
    void shouldGiveAContextSpecAnotherFingerprintForEachHalfLife() {
        FeatureSpec context = PLAIN.withContext(ContextSettings.defaults());
        assertThat(context.fingerprint()).isNotEqualTo(PLAIN.fingerprint())
                .isNotEqualTo(PLAIN.withContext(new ContextSettings(32)).fingerprint());
        assertThat(context.modelInput().names()).containsExactly("cpu", "region", "cpu~level", "region~changed", "record~unchanged");
        assertThat(PLAIN.modelInput()).isSameAs(PLAIN);
    }

    @Test
    void shouldReadAndWriteTheContextBlock() {
        FeatureSpec spec = FeatureSpec.parse("""
                {"entityKey": "host", "features": [{"name": "cpu", "type": "numeric"}], "context": {}}""");
        assertThat(spec.context()).isEqualTo(ContextSettings.defaults());
        assertThat(FeatureSpec.parse(spec.toJson())).isEqualTo(spec);
        assertThat(PLAIN.toJson()).doesNotContain("context");
        assertThatThrownBy(() -> FeatureSpec.parse("""
                {"features": [{"name": "cpu", "type": "numeric"}], "context": {"halfLife": 0}}"""))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("halfLife");
    }

    @Test
    void shouldRefuseAFeatureNamedLikeAContextFeature() {
        assertThatThrownBy(() -> new FeatureSpec(null, null,
                List.of(Feature.numeric("cpu"), Feature.numeric("cpu~level")), ContextSettings.defaults()))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("cpu~level");
    }
}
