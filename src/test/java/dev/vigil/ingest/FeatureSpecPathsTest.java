package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec.Feature;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Features, entity key and timestamp read through JSON Pointers into nested records. */
class FeatureSpecPathsTest {

    private static final String TELEGRAF = """
            {"entityKey": "/tags/host", "timestamp": "timestamp",
             "features": [
               {"name": "idle", "type": "numeric", "path": "/fields/usage_idle"},
               {"name": "user", "type": "numeric", "path": "/fields/usage_user", "optional": true},
               {"name": "name", "type": "categorical", "categories": ["cpu", "mem"]}
             ]}""";

    private static FeatureSpec spec(String json) {
        return FeatureSpec.parse(json);
    }

    @Test
    void shouldReadAndWriteFeaturePathsAndPointerEntityKeys() {
        FeatureSpec spec = spec(TELEGRAF);
        assertThat(spec.entityKey()).isEqualTo("/tags/host");
        assertThat(spec.feature(0).path()).isEqualTo("/fields/usage_idle");
        assertThat(spec.feature(1).optional()).isTrue();
        assertThat(spec.feature(1).path()).isEqualTo("/fields/usage_user");
        assertThat(spec.feature(2).path()).isNull();
        assertThat(spec.hasPaths()).isTrue();
        assertThat(FeatureSpec.parse(spec.toJson())).isEqualTo(spec);
        assertThat(spec.feature(1).asOptional().path()).isEqualTo("/fields/usage_user");
    }

    @Test
    void shouldWriteNoPathForAFlatSpec() {
        FeatureSpec flat = new FeatureSpec("host", "ts", List.of(Feature.numeric("cpu")));
        assertThat(flat.toJson()).doesNotContain("path");
        assertThat(flat.hasPaths()).isFalse();
        assertThat(new FeatureSpec("/host", null, List.of(Feature.numeric("cpu"))).hasPaths()).as("a pointer entity key").isTrue();
    }

    @Test
    void shouldChangeTheFingerprintWhenAFeatureMovesButNotForThePathOfItsOwnName() {
        FeatureSpec flat = new FeatureSpec("host", null, List.of(Feature.numeric("cpu"), Feature.numeric("mem")));
        FeatureSpec nested = new FeatureSpec("host", null, List.of(Feature.numeric("cpu").withPath("/fields/cpu"), Feature.numeric("mem")));
        FeatureSpec elsewhere = new FeatureSpec("host", null, List.of(Feature.numeric("cpu").withPath("/stats/cpu"), Feature.numeric("mem")));
        FeatureSpec ownName = new FeatureSpec("host", null, List.of(Feature.numeric("cpu").withPath("/cpu"), Feature.numeric("mem")));
        assertThat(nested.fingerprint()).isNotEqualTo(flat.fingerprint()).isNotEqualTo(elsewhere.fingerprint());
        assertThat(ownName.fingerprint()).as("/cpu reads what the name cpu reads").isEqualTo(flat.fingerprint());
        assertThat(new FeatureSpec("/tags/host", null, flat.features()).fingerprint())
                .as("the entity key is not the model's input").isEqualTo(flat.fingerprint());
    }

    @Test
    void shouldRefuseAPathThatIsNotAJsonPointer() {
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "idle", "type": "numeric", "path": "fields/usage_idle"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class)
                .hasMessage("feature 'idle' has the path 'fields/usage_idle', which is not a JSON Pointer: a JSON Pointer starts with \"/\"");
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "idle", "type": "numeric", "path": "/fields/a~2b"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("'~' must be followed by 0");
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "idle", "type": "numeric", "path": "/fields/a~"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("'~' must be followed by 0");
        assertThatThrownBy(() -> spec("""
                {"entityKey": "/tags/~host", "features": [{"name": "idle", "type": "numeric"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class)
                .hasMessageStartingWith("the entity key '/tags/~host' is not a valid JSON Pointer");
        assertThat(spec("""
                {"features": [{"name": "a/b", "type": "numeric", "path": "/fields/a~1b~0c"}]}""").feature(0).path())
                .isEqualTo("/fields/a~1b~0c");
    }

    @Test
    void shouldRefuseTwoValuesReadFromOnePlace() {
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "a", "type": "numeric", "path": "/fields/x"},
                              {"name": "b", "type": "numeric", "path": "/fields/x"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class)
                .hasMessage("feature 'b' reads '/fields/x', which feature 'a' reads already: two values cannot share a path");
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "x", "type": "numeric"}, {"name": "b", "type": "numeric", "path": "/x"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("feature 'b' reads '/x', which feature 'x'");
        assertThatThrownBy(() -> spec("""
                {"entityKey": "/tags/host", "features": [{"name": "h", "type": "categorical", "categories": ["a", "b"],
                  "path": "/tags/host"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class).hasMessageContaining("which the entity key reads already");
        assertThatThrownBy(() -> spec("""
                {"features": [{"name": "f", "type": "numeric", "path": "/fields"},
                              {"name": "g", "type": "numeric", "path": "/fields/g"}]}"""))
                .isInstanceOf(InvalidFeatureSpecException.class)
                .hasMessage("Feature 'g' reads '/fields/g', inside '/fields', which feature 'f' reads: a value cannot be both an object and inside it");
    }

    @Test
    void shouldAcceptEveryExampleOfTheSchema() throws Exception {
        com.fasterxml.jackson.databind.JsonNode schema = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(java.nio.file.Path.of("schemas/feature-spec.schema.json").toFile());
        assertThat(schema.get("examples")).isNotEmpty().allSatisfy(example -> FeatureSpec.parse(example.toString()));
        assertThat(FeatureSpec.parse(schema.get("examples").get(0).toString()).hasPaths()).isTrue();
    }

    @Test
    void shouldKeepAllowingAnEntityKeyThatIsAlsoTheTimestamp() {
        assertThat(new FeatureSpec("t", "t", List.of(Feature.numeric("cpu"))).timestamp()).isEqualTo("t");
    }
}
