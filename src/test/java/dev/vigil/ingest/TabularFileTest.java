package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TabularFileTest {

    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void shouldKeepEachRowsEntityAndDeriveContextPerEntityInFileOrder() throws Exception {
        FeatureSpec spec = new FeatureSpec("host", null, List.of(FeatureSpec.Feature.numeric("cpu")), ContextSettings.defaults());
        TabularFile.Table csv = TabularFile.read(file("hosts.csv", "cpu,host\n1,a\n5,b\n1,a\n5,b\n"), spec, null);
        assertThat(csv.entities()).containsExactly("a", "b", "a", "b");
        double[][] model = csv.modelRows();
        assertThat(model[3]).as("b repeats its record: a run of 2").containsExactly(5, 0, Math.log(2));
        TabularFile.Table json = TabularFile.read(file("hosts.jsonl", "{\"host\":\"a\",\"cpu\":1}\n{\"host\":\"b\",\"cpu\":2}\n"), spec, null);
        assertThat(json.entities()).containsExactly("a", "b");
        assertThatThrownBy(() -> TabularFile.read(file("no-host.csv", "cpu\n1\n"), spec, null))
                .hasMessageContaining("entity key 'host'");
        assertThat(TabularFile.read(file("plain.csv", "1\n2\n"), null, null).modelRows()).hasNumberOfRows(2);
    }

    @Test
    void shouldReadHeaderlessNumericFileWithInferredNames() throws Exception {
        TabularFile.Table t = TabularFile.read(file("m.txt", "0.5,1.0,0\n0.25,2e-3,1\n"), null, null);
        assertThat(t.spec().names()).containsExactly("f0", "f1", "f2");
        assertThat(t.rows()).isDeepEqualTo(new double[][] {{0.5, 1.0, 0}, {0.25, 0.002, 1}});
        assertThat(t.labels()).isNull();
    }

    @Test
    void shouldDetectHeaderAndPullOutTheLabelColumn() throws Exception {
        TabularFile.Table t = TabularFile.read(file("a.csv", "f0,label,f1\n1,0,2\n3,1,4\n"), null, "label");
        assertThat(t.spec().names()).containsExactly("f0", "f1");
        assertThat(t.rows()).isDeepEqualTo(new double[][] {{1, 2}, {3, 4}});
        assertThat(t.labels()).containsExactly(0, 1);
    }

    @Test
    void shouldNameHeaderlessLabelColumnByPosition() throws Exception {
        TabularFile.Table t = TabularFile.read(file("m.txt", "0.5,1.0,0\n0.25,2,1\n"), null, "f2");
        assertThat(t.rows()).isDeepEqualTo(new double[][] {{0.5, 1.0}, {0.25, 2}});
        assertThat(t.labels()).containsExactly(0, 1);
    }

    @Test
    void shouldEncodeAgainstAGivenSpecInSpecOrder() throws Exception {
        FeatureSpec spec = new FeatureSpec(null, null, List.of(
                FeatureSpec.Feature.categorical("color", List.of("red", "green")),
                FeatureSpec.Feature.numeric("amount").asOptional()));
        Path csv = file("t.csv", "amount,color,y\n12.5,green,1\n,red,0\n\"1,5\",red,0\n");
        assertThatThrownBy(() -> TabularFile.read(csv, spec, "y"))
                .hasMessageStartingWith(csv + ":4:").hasMessageContaining("'1,5' is not a number");
        Path good = file("g.csv", "amount,color,y\n12.5,green,1\n,red,0\n");
        TabularFile.Table t = TabularFile.read(good, spec, "y");
        assertThat(t.rows()[0]).containsExactly(1, 12.5);
        assertThat(t.rows()[1][0]).isEqualTo(0);
        assertThat(t.rows()[1][1]).isNaN();
        assertThat(t.labels()).containsExactly(1, 0);
    }

    @Test
    void shouldReadHeaderlessCategoricalFileWhenGivenASpec() throws Exception {
        FeatureSpec spec = new FeatureSpec(null, null, List.of(
                FeatureSpec.Feature.categorical("color", List.of("red", "green")), FeatureSpec.Feature.numeric("x")));
        TabularFile.Table t = TabularFile.read(file("c.csv", "green,1\nred,2\n"), spec, null);
        assertThat(t.rows()).isDeepEqualTo(new double[][] {{1, 1}, {0, 2}});
    }

    @Test
    void shouldReadJsonLines() throws Exception {
        FeatureSpec spec = new FeatureSpec(null, null, List.of(
                FeatureSpec.Feature.numeric("x"),
                new FeatureSpec.Feature("ok", FeatureType.BOOLEAN, true, null)));
        Path jsonl = file("r.jsonl", "{\"x\": 1.5, \"ok\": true, \"label\": 0}\n\n{\"x\": -2, \"label\": true}\n");
        TabularFile.Table t = TabularFile.read(jsonl, spec, "label");
        assertThat(t.rows()[0]).containsExactly(1.5, 1);
        assertThat(t.rows()[1][0]).isEqualTo(-2);
        assertThat(t.rows()[1][1]).isNaN();
        assertThat(t.labels()).containsExactly(0, 1);
        assertThat(TabularFile.read(jsonl, null, "label").spec().names()).containsExactly("x");
    }

    @Test
    void shouldNameFileAndLineOfABadRow() throws Exception {
        Path csv = file("bad.csv", "1,2\n\n3\n");
        assertThatThrownBy(() -> TabularFile.read(csv, null, null))
                .isInstanceOf(TabularFile.MalformedFileException.class)
                .hasMessage(csv + ":3: expected 2 columns, found 1");
        Path missing = file("miss.csv", "1,2\n3,\n");
        assertThatThrownBy(() -> TabularFile.read(missing, null, null))
                .hasMessage(missing + ":2: missing value for required feature 'f1'");
        Path label = file("lab.csv", "x,label\n1,2\n");
        assertThatThrownBy(() -> TabularFile.read(label, null, "label")).hasMessageStartingWith(label + ":2: label column");
        Path json = file("bad.jsonl", "{\"x\": 1}\n{\"x\": \"a\"}\n");
        assertThatThrownBy(() -> TabularFile.read(json, null, null)).hasMessageStartingWith(json + ":2: feature 'x'");
        Path unknown = file("u.csv", "x\n1\n");
        assertThatThrownBy(() -> TabularFile.read(unknown, null, "label")).hasMessageContaining("no label column 'label'");
    }

    @Test
    void shouldReadAMillionRowsWithoutAnyPerCellRegex() throws Exception {
        // A behaviour check at scale (every row read, in order), not a timing assertion.
        StringBuilder sb = new StringBuilder(20_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            sb.append(i).append(",0.5,").append(i % 2).append('\n');
        }
        TabularFile.Table t = TabularFile.read(file("big.csv", sb.toString()), null, "f2");
        assertThat(t.size()).isEqualTo(1_000_000);
        assertThat(t.rows()[999_999]).containsExactly(999_999, 0.5);
        assertThat(t.labels()[999_999]).isEqualTo(1);
    }
}
