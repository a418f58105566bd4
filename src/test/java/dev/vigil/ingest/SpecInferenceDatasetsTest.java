package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.ingest.SpecInference.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Inference on the shared benchmark files (read-only), skipped when they are not there. */
class SpecInferenceDatasetsTest {

    private static final Path DATA = Path.of(System.getProperty("vigil.datasets", "../shared/datasets"));

    private static Path dataset(String relative) {
        Path file = DATA.resolve(relative);
        Assumptions.assumeTrue(Files.isReadable(file), "no shared data set in " + DATA.toAbsolutePath().normalize());
        return file;
    }

    @Test
    void shouldInferSixNumericThyroidFeaturesWithoutTheLabel() throws IOException {
        SpecInference.Result result = SpecInference.inferFile(dataset("adbench/38_thyroid.csv"), 10_000, List.of("label"));
        assertThat(result.spec().features()).containsExactlyElementsOf(
                IntStream.range(0, 6).mapToObj(i -> FeatureSpec.Feature.numeric("f" + i)).toList());
        assertThat(result.decision("label").role()).isEqualTo(Role.LEFT_OUT);
        assertThat(result.spec().entityKey()).isNull();
        assertThat(result.spec().timestamp()).isNull();
    }

    @Test
    void shouldInferEveryHeaderlessSmdColumnAndReportTheConstantOnes() throws IOException {
        Path file = dataset("smd/train/machine-1-6.txt");
        SpecInference.Result result = SpecInference.inferFile(file, 10_000, List.of());
        // Headerless: columns are read by position, so all 38 stay (see SpecInference's positional rule) ...
        assertThat(result.spec().names()).containsExactlyElementsOf(IntStream.range(0, 38).mapToObj(i -> "f" + i).toList());
        assertThat(result.spec().features()).allMatch(f -> f.isNumeric() && !f.optional());
        // ... and the ones the rules would leave out are named, each with its reason.
        assertThat(result.decisions()).filteredOn(d -> d.why().contains("constant"))
                .extracting(SpecInference.Decision::field).containsExactly("f7", "f26", "f28", "f32", "f36", "f37");
        assertThat(result.decision("f32").why()).startsWith("near-constant: 0 in 9,996 of 10,000; kept:");
        assertThat(TabularFile.read(file, result.spec(), null).spec()).isEqualTo(result.spec());
    }
}
