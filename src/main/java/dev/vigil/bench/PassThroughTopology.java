package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The ceiling: the least a JSON-in, JSON-out Kafka Streams application does. Each value is parsed
 * into a JSON tree (so malformed input would be noticed, as any real app must) and forwarded
 * unchanged; nothing is buffered or stored.
 */
public final class PassThroughTopology {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PassThroughTopology() {
    }

    /** {@code processed} counts records that passed the parse and were forwarded. */
    public static Topology build(String input, String output, AtomicLong processed) {
        Topology topology = new Topology();
        ByteArrayDeserializer in = new ByteArrayDeserializer();
        ByteArraySerializer out = new ByteArraySerializer();
        topology.addSource("passthrough-input", in, in, input);
        topology.addProcessor("passthrough-parse", () -> new Processor<byte[], byte[], byte[], byte[]>() {
            private ProcessorContext<byte[], byte[]> context;

            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
                this.context = context;
            }

            @Override
            public void process(Record<byte[], byte[]> record) {
                try {
                    JsonNode tree = JSON.readTree(record.value());
                    if (tree != null && tree.isObject()) {
                        context.forward(record);
                        processed.incrementAndGet();
                    }
                } catch (IOException e) {
                    // dropped: the benchmark's input is all valid JSON
                }
            }
        }, "passthrough-input");
        topology.addSink("passthrough-output", output, out, out, "passthrough-parse");
        return topology;
    }
}
