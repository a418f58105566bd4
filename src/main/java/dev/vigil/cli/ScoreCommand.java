package dev.vigil.cli;

import dev.vigil.ingest.TabularFile;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.RecordScore;
import dev.vigil.score.Contribution;
import dev.vigil.score.VaeBatchScorer;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil score}: scores a file with a model bundle, one CSV row per input record in input order. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score a CSV or JSON-lines file with a model bundle.",
                "Writes CSV: score,kl,top1,top2,top3,p_value,severity,anomaly (one row per record, input order)."})
final class ScoreCommand implements Callable<Integer> {

    static final String HEADER = "score,kl,top1,top2,top3,p_value,severity,anomaly";

    @Spec
    CommandSpec command;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model bundle from vigil train.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Records to score, in the layout the model was trained on.")
    Path data;

    @Option(names = "--out", paramLabel = "FILE", description = "Output CSV (default: stdout).")
    Path out;

    @Option(names = "--batch", defaultValue = "1024", description = "Records per model call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        for (Path p : List.of(model, data)) {
            if (!Files.isReadable(p)) {
                throw new VigilCommand.UsageException("cannot read " + p);
            }
        }
        ModelBundle bundle = ModelBundle.load(model, null);
        TabularFile.Table table = TabularFile.read(data, bundle.spec(), null);
        double[][] rows = table.modelRows();
        Writer writer = out == null
                ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16)
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8);
        try (VaeBatchScorer scorer = VaeBatchScorer.open(bundle, null)) {
            writer.write(HEADER);
            writer.write('\n');
            StringBuilder line = new StringBuilder(128);
            for (int from = 0; from < rows.length; from += batch) {
                double[][] chunk = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + batch));
                VaeBatchScorer.Scored scored = scorer.score(chunk);
                for (int i = 0; i < chunk.length; i++) {
                    RecordScore r = scored.record(i);
                    List<Contribution> top = scored.contributions(i, 3);
                    line.setLength(0);
                    line.append(r.score()).append(',').append(r.kl());
                    for (int k = 0; k < 3; k++) {
                        line.append(',').append(k < top.size() ? top.get(k).name() : "");
                    }
                    line.append(',').append(scored.pValue(i)).append(',').append(scored.severity(i).label())
                            .append(',').append(scored.anomaly(i) ? 1 : 0).append('\n');
                    writer.write(line.toString());
                }
            }
        } finally {
            if (out == null) {
                writer.flush();
            } else {
                writer.close();
            }
        }
        return VigilCommand.EXIT_OK;
    }
}
