package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec.Feature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON-lines files whose values sit in nested objects; CSV files cannot have them. */
class TabularFilePathsTest {

    private static final FeatureSpec NESTED = new FeatureSpec("/tags/host", null, List.of(
            Feature.numeric("idle").withPath("/fields/usage_idle"),
            Feature.numeric("user").withPath("/fields/usage_user").asOptional(),
            Feature.categorical("name", List.of("cpu", "mem"))));

    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void shouldReadNestedFieldsAndEntitiesFromJsonLines() throws Exception {
        TabularFile.Table t = TabularFile.read(file("t.jsonl", """
                {"name":"cpu","tags":{"host":"a"},"fields":{"usage_idle":97.1,"usage_user":1.2},"label":0}
                {"name":"mem","tags":{"host":"b"},"fields":{"usage_idle":50},"label":1}
                {"name":"cpu","tags":{"host":"a"},"fields":{"usage_idle":10,"usage_user":null},"label":0}
                """), NESTED, "label");
        assertThat(t.rows()[0]).containsExactly(97.1, 1.2, 0);
        assertThat(t.rows()[1][0]).isEqualTo(50);
        assertThat(t.rows()[1][1]).as("absent nested field of an optional feature").isNaN();
        assertThat(t.rows()[1][2]).isEqualTo(1);
        assertThat(t.rows()[2][1]).isNaN();
        assertThat(t.entities()).containsExactly("a", "b", "a");
        assertThat(t.labels()).containsExactly(0, 1, 0);
    }

    @Test
    void shouldNameTheLineOfAMissingNestedObjectOrAScalarInItsPlace() throws Exception {
        Path missing = file("m.jsonl", """
                {"name":"cpu","tags":{"host":"a"},"fields":{"usage_idle":1}}
                {"name":"cpu","tags":{"host":"a"}}
                """);
        assertThatThrownBy(() -> TabularFile.read(missing, NESTED, null))
                .isInstanceOf(TabularFile.MalformedFileException.class)
                .hasMessage(missing + ":2: missing value for required feature 'idle'");
        Path scalar = file("s.jsonl", """
                {"name":"cpu","tags":{"host":"a"},"fields":7}
                """);
        assertThatThrownBy(() -> TabularFile.read(scalar, NESTED, null))
                .hasMessage(scalar + ":1: idle at '/fields/usage_idle': '/fields' must be an object, not number 7");
    }

    @Test
    void shouldRefuseASpecWithPathsForACsvFile() throws Exception {
        Path csv = file("t.csv", "idle,user,name,host\n1,2,cpu,a\n");
        assertThatThrownBy(() -> TabularFile.read(csv, NESTED, null))
                .isInstanceOf(TabularFile.MalformedFileException.class)
                .hasMessage(csv + ": the feature spec reads nested fields (feature 'idle' at '/fields/usage_idle') and a CSV file"
                        + " has none: give JSON lines, or a spec without paths");
        FeatureSpec pointerEntityOnly = new FeatureSpec("/host", null, List.of(Feature.numeric("idle")));
        assertThatThrownBy(() -> TabularFile.read(csv, pointerEntityOnly, null)).hasMessageContaining("(entity key '/host')");
    }
}
