package dev.vigil.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.kafka.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/** The producer's limit, the topics' limits and the handler of a refused send agree. */
class OutputLimitsTest {

    private static final int RAISED = 10 << 20;

    @Test
    void shouldGiveOutputTopicsAndChangelogsTheProducersLimit() {
        VigilConfig config = VigilConfig.of(Map.of("kafka.bootstrap.servers", "localhost:9092",
                "kafka.producer.max.request.size", Integer.toString(RAISED)));

        Properties streams = StreamsSettings.of(config);
        assertThat(streams.getProperty(StreamsConfig.topicPrefix("max.message.bytes"))).isEqualTo(Integer.toString(RAISED));
        assertThat(streams.getProperty(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(RefusedSendHandler.class.getName());
        List<String> outputs = List.of(config.getString(VigilConfig.SCORES_TOPIC), config.getString(VigilConfig.ALERTS_TOPIC),
                config.getString(VigilConfig.DEAD_LETTER_TOPIC));
        for (TopicSpec topic : VigilService.topics(config)) {
            if (outputs.contains(topic.name())) {
                assertThat(topic.configs()).as(topic.name()).containsEntry("max.message.bytes", Integer.toString(RAISED));
            }
        }
    }

    @Test
    void shouldCountAndSkipARecordRefusedAsTooLargeButFailOnOtherErrors() {
        List<String> dropped = new ArrayList<>();
        RefusedSendHandler handler = new RefusedSendHandler();
        handler.configure(Map.of(RefusedSendHandler.LISTENER_CONFIG, (Consumer<String>) dropped::add));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("vigil-alerts", new byte[3], new byte[2_000_000]);

        assertThat(handler.handleError(CONTEXT, record, new RecordTooLargeException("too large")).result())
                .isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(dropped).containsExactly("vigil-alerts");
        assertThat(handler.handleError(CONTEXT, record, new SerializationException("other")).result())
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(dropped).hasSize(1);
    }

    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        @Override
        public String topic() {
            return "vigil-input";
        }

        @Override
        public int partition() {
            return 0;
        }

        @Override
        public long offset() {
            return 42;
        }

        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "vigil-incidents";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 0);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    };
}
