package dev.vigil.context;

import dev.vigil.ingest.ParsedRecord;
import dev.vigil.ingest.Scorable;

/**
 * A parsed record with its context: {@link #features()} is the model's input, the record's own
 * features followed by the context features ({@code spec.modelInput()}).
 */
public record EnrichedRecord(ParsedRecord record, double[] features) implements Scorable, ContextOutput {

    @Override
    public String entity() {
        return record.entity();
    }

    @Override
    public long eventTime() {
        return record.eventTime();
    }

    @Override
    public byte[] value() {
        return record.value();
    }

    @Override
    public String sourceTopic() {
        return record.sourceTopic();
    }

    @Override
    public int sourcePartition() {
        return record.sourcePartition();
    }

    @Override
    public long sourceOffset() {
        return record.sourceOffset();
    }
}
