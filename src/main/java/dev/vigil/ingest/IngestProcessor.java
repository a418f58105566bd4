package dev.vigil.ingest;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stage of the topology: parses each input value against the feature spec and forwards it
 * to {@code scoreChild}, or sends the original bytes to {@code deadLetterChild} with headers saying
 * why and where it came from. Never throws for bad input: a bad record must not stop the service.
 */
public final class IngestProcessor implements Processor<byte[], byte[], byte[], Object> {

    /** Told about every dead letter, e.g. to count it by reason. */
    public interface Listener {
        void deadLetter(String sourceTopic, ErrorClass errorClass);
    }

    private final RecordParser parser;
    private final String scoreChild;
    private final String deadLetterChild;
    private final Listener listener;
    private ProcessorContext<byte[], Object> context;

    public IngestProcessor(RecordParser parser, String scoreChild, String deadLetterChild, Listener listener) {
        this.parser = parser;
        this.scoreChild = scoreChild;
        this.deadLetterChild = deadLetterChild;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<byte[], Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        try {
            ParsedRecord parsed = parser.parse(record.key(), record.value(), record.timestamp());
            context.forward(record.withValue(parsed), scoreChild);
        } catch (InvalidRecordException e) {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            context.forward(record.withValue((Object) record.value()).withHeaders(DeadLetters.headers(record.headers(),
                    e.errorClass(), e.getMessage(), source.topic(), source.partition(), source.offset(), record.timestamp())),
                    deadLetterChild);
            listener.deadLetter(source.topic(), e.errorClass());
        }
    }
}
