package dev.vigil.ingest;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stage of the topology: parses each input value against the feature spec and forwards it,
 * with where it was read, to {@code scoreChild} (the scorer, or the context stage before it), or
 * sends the original bytes to {@code deadLetterChild} with headers saying why and where it came
 * from. Never throws for bad input: a bad record must not stop the service. A dead letter larger
 * than the producer may send ({@code maxSendBytes}) is cut to fit ({@link DeadLetters#deadLetter}):
 * a refused send would stop the stream thread on that offset for good.
 */
public final class IngestProcessor implements Processor<byte[], byte[], byte[], IngestOutput> {

    /** Told about every dead letter, e.g. to count it by reason. */
    public interface Listener {
        void deadLetter(String sourceTopic, ErrorClass errorClass);
    }

    private final RecordParser parser;
    private final String scoreChild;
    private final String deadLetterChild;
    private final Listener listener;
    private final int maxSendBytes;
    private ProcessorContext<byte[], IngestOutput> context;

    public IngestProcessor(RecordParser parser, String scoreChild, String deadLetterChild, Listener listener,
                           int maxSendBytes) {
        this.parser = parser;
        this.maxSendBytes = maxSendBytes;
        this.scoreChild = scoreChild;
        this.deadLetterChild = deadLetterChild;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<byte[], IngestOutput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        try {
            ParsedRecord parsed = parser.parse(record.key(), record.value(), record.timestamp(), source.topic(),
                    source.partition(), source.offset());
            context.forward(record.withValue((IngestOutput) parsed), scoreChild);
        } catch (InvalidRecordException e) {
            DeadLetters.DeadLetter dead = DeadLetters.deadLetter(record.key(), record.value(), record.headers(),
                    e.errorClass(), e.getMessage(), source.topic(), source.partition(), source.offset(), record.timestamp(),
                    maxSendBytes);
            context.forward(new Record<>(dead.key(), (IngestOutput) dead, record.timestamp(), dead.headers()), deadLetterChild);
            listener.deadLetter(source.topic(), e.errorClass());
        }
    }
}
