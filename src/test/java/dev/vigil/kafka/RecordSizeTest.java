package dev.vigil.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

class RecordSizeTest {

    @Test
    void shouldNeverBeBelowTheProducersOwnEstimate() {
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            byte[] key = random.nextInt(5) == 0 ? null : new byte[random.nextInt(300_000)];
            byte[] value = random.nextInt(5) == 0 ? null : new byte[random.nextInt(3_000_000)];
            RecordHeaders headers = new RecordHeaders();
            for (int h = random.nextInt(4); h > 0; h--) {
                headers.add("header-" + h, new byte[random.nextInt(200)]);
            }
            Header[] array = headers.toArray();
            int kafka = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                    key, value, array);
            int ours = RecordSize.upperBound(key, value, headers);
            assertThat(ours).isGreaterThanOrEqualTo(kafka).isLessThanOrEqualTo(kafka + 64);
        }
    }
}
