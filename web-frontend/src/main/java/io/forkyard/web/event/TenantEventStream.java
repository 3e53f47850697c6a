package io.forkyard.web.event;

import io.forkyard.web.job.JobListing;
import jakarta.ws.rs.sse.Sse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A tenant's live stream ({@code GET /api/events}): the events of the tenant's jobs that match its
 * filters, as Kafka delivers them, each with the id {@code <jobId>:<seq>}. Live only: nothing is
 * replayed, and a gap is not filled (a page that reconnects reloads its list). It never sends an
 * event of a job older than one it already sent for that job (a duplicate, or one two relays
 * reordered), remembering the last {@value #REMEMBERED} jobs it saw.
 */
final class TenantEventStream extends EventStream {

    static final int REMEMBERED = 10_000;

    private final String tenant;
    private final JobListing.Filter filter;

    // guarded by this: the last seq sent per job, least recently sent first
    private final Map<UUID, Integer> lastSent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Integer> eldest) {
            return size() > REMEMBERED;
        }
    };

    TenantEventStream(Sse sse, String tenant, JobListing.Filter filter) {
        super(sse);
        this.tenant = tenant;
        this.filter = filter;
    }

    @Override
    String tenant() {
        return tenant;
    }

    @Override
    synchronized void offer(Delivery delivery) {
        JobEvent event = delivery.event();
        if (!filter.matches(event.jobId(), event.status(), event.type(), event.queue(), event.batchId())) {
            return;
        }
        Integer last = lastSent.get(event.jobId());
        if (last != null && event.seq() <= last) {
            return;
        }
        lastSent.put(event.jobId(), event.seq());
        send(event.jobId() + ":" + event.seq(), delivery.json());
    }
}
