package dev.vigil.service;

import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of defence for an output Kafka refuses as too large (the producer's
 * {@code max.request.size}, or a topic whose {@code max.message.bytes} is below it): the record
 * is logged, counted ({@code vigil_output_records_dropped_total}) and skipped, so that one input
 * cannot stop the stream thread and crash-loop on its offset. Vigil sizes its outputs before
 * sending them, so this only fires when the topics are set up smaller than the producer; a
 * dropped output is lost, which is why it is loud. Every other send error fails as Kafka
 * Streams' default handler does.
 */
public final class RefusedSendHandler implements ProductionExceptionHandler {

    /** Config key under which {@link VigilService} passes a {@code Consumer<String>} told the topic of each dropped record. */
    public static final String LISTENER_CONFIG = "vigil.refused.send.listener";

    private static final Logger LOG = LoggerFactory.getLogger(RefusedSendHandler.class);

    private Consumer<String> listener = topic -> { };

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object given = configs.get(LISTENER_CONFIG);
        if (given instanceof Consumer<?> consumer) {
            listener = (Consumer<String>) consumer;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException)) {
            return Response.fail();
        }
        // The broker's refusal arrives in the producer's callback, where the input record is no longer known.
        String input = context.topic() == null ? "" : ", written for input " + context.topic() + "-" + context.partition() + "@" + context.offset();
        LOG.error("Dropped an output to {} that Kafka refused as too large (key {} bytes, value {} bytes{}): {} "
                        + "Raise the topic's max.message.bytes to at least the producer's max.request.size (README, 'Large records').",
                record.topic(), length(record.key()), length(record.value()), input, exception.getMessage());
        listener.accept(record.topic());
        return Response.resume();
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
