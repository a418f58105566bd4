package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SpecInferCommandTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = VigilCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** 2000 well-formed generated records' values, one JSON object a line. */
    private Path generated() throws IOException {
        TrafficGenerator.Options options = TrafficGenerator.Options.defaults().withAnomalyRate(0).withMalformedRate(0);
        String lines = TrafficGenerator.generate(options, 2000).stream().map(GeneratedRecord::valueAsString)
                .collect(Collectors.joining("\n", "", "\n"));
        return Files.writeString(dir.resolve("traffic.jsonl"), lines);
    }

    @Test
    void shouldInferTheGeneratorsSpecAndTrainWithItUnchanged() throws IOException {
        Path data = generated();
        Path specFile = dir.resolve("spec.json");
        Run infer = run("spec", "infer", "--data", data.toString(), "--out", specFile.toString());
        assertThat(infer.exitCode()).as(infer.err()).isZero();
        assertThat(infer.out()).isEmpty();
        assertThat(infer.err()).startsWith("vigil spec infer: 2,000 records from " + data + ", 10 features")
                .contains("host", "entity key");

        FeatureSpec spec = FeatureSpec.load(specFile);
        assertThat(spec.entityKey()).isEqualTo("host");
        assertThat(spec.timestamp()).isEqualTo("ts");
        // Categories are sorted, so the generator's [eu, us, ap] comes out as [ap, eu, us].
        assertThat(spec.features()).contains(FeatureSpec.Feature.categorical("region", java.util.List.of("ap", "eu", "us")),
                new FeatureSpec.Feature("canary", FeatureType.BOOLEAN, false, null));
        assertThat(spec.names()).containsExactlyInAnyOrderElementsOf(TrafficGenerator.spec().names());

        Path model = dir.resolve("model.vigil");
        Run train = run("train", "--data", data.toString(), "--spec", specFile.toString(), "--out", model.toString(), "--epochs", "2");
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(model).exists();
    }

    @Test
    void shouldWriteTheSpecToStdoutWithoutOut() throws IOException {
        Run infer = run("spec", "infer", "--data", generated().toString(), "--sample", "500", "--exclude", "canary,errors");
        assertThat(infer.exitCode()).as(infer.err()).isZero();
        FeatureSpec spec = FeatureSpec.parse(infer.out());
        assertThat(spec.names()).doesNotContain("canary", "errors").contains("cpu");
        assertThat(infer.err()).contains("500 records").containsPattern("canary +left out +--exclude");
    }

    @Test
    void shouldAddTheDefaultContextBlockWhenAsked() throws IOException {
        Run plain = run("spec", "infer", "--data", generated().toString(), "--sample", "500");
        Run withContext = run("spec", "infer", "--data", generated().toString(), "--sample", "500", "--context");
        assertThat(withContext.exitCode()).as(withContext.err()).isZero();
        assertThat(FeatureSpec.parse(plain.out()).hasContext()).isFalse();
        FeatureSpec spec = FeatureSpec.parse(withContext.out());
        assertThat(spec.context()).isEqualTo(ContextSettings.defaults());
        assertThat(spec.features()).isEqualTo(FeatureSpec.parse(plain.out()).features());
    }

    @Test
    void shouldRefuseAnExcludeThatNamesNoFieldInOneLine() throws IOException {
        Run infer = run("spec", "infer", "--data", generated().toString(), "--exclude", "lable");
        assertThat(infer.exitCode()).isEqualTo(VigilCommand.EXIT_USAGE);
        assertThat(infer.err().strip()).startsWith("vigil: --exclude names no field of the sample: lable").doesNotContain("\n");
    }

    @Test
    void shouldRefuseDataAndTopicTogetherOrNeither() {
        assertThat(run("spec", "infer").exitCode()).isEqualTo(VigilCommand.EXIT_USAGE);
        assertThat(run("spec", "infer", "--data", "x", "--topic", "t", "--bootstrap-servers", "b").exitCode()).isEqualTo(VigilCommand.EXIT_USAGE);
    }

    @Test
    void shouldSayInOneLineWhenTheBrokerDoesNotAnswer() {
        Run infer = run("spec", "infer", "--topic", "t", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s");
        assertThat(infer.exitCode()).isEqualTo(VigilCommand.EXIT_USAGE);
        assertThat(infer.err().strip()).isEqualTo("vigil: Kafka at 127.0.0.1:1 did not answer within 2 s (--bootstrap-servers, --timeout)");
    }
}
