package io.forkyard.web.callback;

import io.forkyard.job.Job;
import io.forkyard.messaging.Json;
import io.forkyard.web.job.BatchResource;
import io.forkyard.web.job.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What a callback says (README "Callbacks"): {@code {"event": "job.finished", "job": the job's
 * view}} or {@code {"event": "batch.finished", "batch": the batch's view}}, read when it is sent.
 */
@ApplicationScoped
public class CallbackPayloads {

    @Inject
    DataSource dataSource;

    /** The body of a callback about a tenant's job or batch; empty when it is gone (pruned). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<byte[]> body(String kind, UUID subject, String tenant) {
        if (kind.equals("job")) {
            return Job.<Job>find("id = ?1 and tenant = ?2", subject, tenant)
                    .firstResultOptional()
                    .map(job -> Json.toBytes(Map.of("event", "job.finished", "job", JobView.of(job))));
        }
        return BatchResource.find(dataSource, subject, tenant)
                .map(batch -> Json.toBytes(Map.of("event", "batch.finished", "batch", batch)));
    }
}
