package dev.vigil.score;

import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every instance's scorer on the newest model: the processor of the global store that
 * mirrors the models topic (keyed by version). A newer version is opened and swapped in at once;
 * the old model is closed after the batch in flight ({@link ModelHolder}). A bundle that cannot be
 * loaded (corrupt, or trained for another feature spec) is logged and skipped: the service keeps
 * scoring with what it has.
 */
public final class ModelLoader implements Processor<Long, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private final String storeName;
    private final FeatureSpec spec;
    private final ModelHolder models;
    private final Function<ModelBundle, BatchScorer> open;
    private KeyValueStore<Long, byte[]> store;

    public ModelLoader(String storeName, FeatureSpec spec, ModelHolder models, Function<ModelBundle, BatchScorer> open) {
        this.storeName = storeName;
        this.spec = spec;
        this.models = models;
        this.open = open;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        // Restoration fills the store without calling process(): start from the newest restored version.
        KeyValue<Long, byte[]> newest = null;
        try (KeyValueIterator<Long, byte[]> it = store.reverseAll()) {
            while (it.hasNext() && newest == null) {
                KeyValue<Long, byte[]> kv = it.next();
                if (kv.value != null) {
                    newest = kv;
                }
            }
        }
        if (newest != null && newest.key > models.currentVersion()) {
            load(newest.key, newest.value);
        }
    }

    @Override
    public void process(Record<Long, byte[]> record) {
        if (record.key() == null) {
            LOG.warn("Ignoring a record without a version key on the models topic");
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
            return;
        }
        store.put(record.key(), record.value());
        if (record.key() > models.currentVersion()) {
            load(record.key(), record.value());
        }
    }

    private void load(long version, byte[] bytes) {
        try {
            ModelBundle bundle = ModelBundle.fromBytes(bytes, spec);
            if (bundle.version() != version) {
                bundle = bundle.withVersion(version); // the key is the truth: a republished bundle keeps its old inner version
            }
            models.swap(open.apply(bundle));
        } catch (RuntimeException e) {
            LOG.error("Cannot load model v{} from the models topic; still scoring with v{}", version, models.currentVersion(), e);
        }
    }
}
