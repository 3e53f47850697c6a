package io.forkyard.web.job;

import io.forkyard.db.Jdbc;
import io.forkyard.db.StoreException;
import io.forkyard.job.JobStatus;
import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.logging.Logger;

/**
 * Bulk retry and cancel: the single verbs' statements ({@link JobCommands#requeue(List, String)},
 * {@link JobCommands#requestCancel(List, String)}) applied to many jobs, so the rules are the same:
 * cancel changes QUEUED (to CANCELLED) and RUNNING (cancel requested) jobs, retry changes FAILED and
 * CANCELLED ones (to QUEUED). A list of ids is one statement, one transaction. A filter acts on every
 * job of the tenant that matches it when its chunk is read, newest first, in chunks of {@code
 * bulk.chunk-size} jobs, each its own transaction: a filter over a million jobs never holds many row
 * locks at once, and what a chunk changed stays changed if a later chunk fails. Jobs submitted after
 * the action started are newer than its first chunk and are left alone.
 */
@ApplicationScoped
public class JobBulk {

    private static final Logger LOG = Logger.getLogger(JobBulk.class);

    /** How many unchanged jobs an answer lists. */
    static final int UNCHANGED_SHOWN = 100;

    /** What a bulk request does. */
    public enum Action {
        RETRY("retry"),
        CANCEL("cancel");

        private final String word;

        Action(String word) {
            this.word = word;
        }

        /** The action as the API spells it. */
        public String word() {
            return word;
        }

        /** Whether the single verb changes a job that has this status (else it answers 409). */
        boolean changes(JobStatus before) {
            return this == CANCEL
                    ? before == JobStatus.QUEUED || before == JobStatus.RUNNING
                    : before == JobStatus.FAILED || before == JobStatus.CANCELLED;
        }
    }

    /** A matched job the action did not change, and the status that kept it. */
    @Schema(name = "BulkUnchanged")
    public record Unchanged(UUID id, JobStatus status) {}

    /**
     * What a bulk action did: {@code matched} jobs of the tenant (ids of no job of the tenant are not
     * counted), of which {@code changed} changed; the first {@value #UNCHANGED_SHOWN} of the others.
     */
    @Schema(name = "BulkOutcome")
    public record Outcome(String action, long matched, long changed, List<Unchanged> unchanged) {}

    @Inject
    JobCommands commands;

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    /** Applies the action to the tenant's jobs among {@code ids}, in one statement. */
    public Outcome byIds(Action action, List<UUID> ids, String tenant) {
        Tally tally = new Tally(action);
        tally.add(apply(action, ids, tenant));
        return tally.outcome();
    }

    /** Applies the action to every job of the tenant that matches the filter, chunk by chunk. */
    public Outcome byFilter(Action action, JobListing.Filter filter, String tenant) {
        Tally tally = new Tally(action);
        int chunkSize = config.bulk().chunkSize();
        Position after = null;
        while (true) {
            List<Position> chunk = matching(filter, tenant, after, chunkSize);
            if (chunk.isEmpty()) {
                break;
            }
            tally.add(apply(action, chunk.stream().map(Position::id).toList(), tenant));
            if (chunk.size() < chunkSize) {
                break;
            }
            after = chunk.get(chunk.size() - 1);
        }
        LOG.debugf(
                "bulk %s of tenant %s by filter %s: %d matched, %d changed",
                action.word(), tenant, filter, tally.matched, tally.changed);
        return tally.outcome();
    }

    /**
     * One chunk, one statement. A chunk that lost a deadlock (with another bulk action over the same
     * jobs in another order, or a worker's batch) changed nothing and is run again.
     */
    private Map<UUID, JobStatus> apply(Action action, List<UUID> ids, String tenant) {
        for (int attempt = 1; ; attempt++) {
            try {
                return action == Action.CANCEL ? commands.requestCancel(ids, tenant) : commands.requeue(ids, tenant);
            } catch (StoreException e) {
                if (attempt == 3 || Jdbc.isConnectionFailure(e) || !Jdbc.worthRetrying(e)) {
                    throw e;
                }
                LOG.debugf("bulk %s chunk lost a deadlock, trying again: %s", action.word(), e.getMessage());
            }
        }
    }

    /** Where the listing order (newest first) puts a job. */
    private record Position(Timestamp createdAt, UUID id) {}

    /**
     * The next chunk of matching jobs after {@code after}, in the listing's order and on its index
     * ({@code job_tenant_created}); the row comparison lets the index start at the position, so the
     * chunks together read the tenant's jobs once.
     */
    private List<Position> matching(JobListing.Filter filter, String tenant, Position after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT created_at, id FROM job WHERE tenant = ?");
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        if (filter.status() != null) {
            sql.append(" AND status = ?");
            params.add(filter.status().name());
        }
        if (filter.type() != null) {
            sql.append(" AND type = ?");
            params.add(filter.type());
        }
        if (filter.queue() != null) {
            sql.append(" AND queue = ?");
            params.add(filter.queue());
        }
        if (filter.idPrefix() != null) {
            sql.append(" AND id::text LIKE ?");
            params.add(filter.idPrefix() + "%");
        }
        if (filter.batch() != null) {
            sql.append(" AND batch_id = ?");
            params.add(filter.batch());
        }
        if (after != null) {
            sql.append(" AND (created_at, id) < (?, ?)");
            params.add(after.createdAt());
            params.add(after.id());
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        params.add(limit);
        try {
            return Jdbc.inTransaction(dataSource, c -> {
                // In the index's order, stopping at the chunk's last match: a bitmap scan (the
                // planner's pick for a selective filter) reads every older job of the tenant for
                // every chunk.
                Jdbc.preferIndexOrder(c);
                try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                    for (int i = 0; i < params.size(); i++) {
                        s.setObject(i + 1, params.get(i));
                    }
                    List<Position> chunk = new ArrayList<>(limit);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            chunk.add(new Position(rs.getTimestamp(1), rs.getObject(2, UUID.class)));
                        }
                    }
                    return chunk;
                }
            });
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Counts what the chunks did. */
    private static final class Tally {
        private final Action action;
        private long matched;
        private long changed;
        private final List<Unchanged> unchanged = new ArrayList<>();

        Tally(Action action) {
            this.action = action;
        }

        void add(Map<UUID, JobStatus> before) {
            matched += before.size();
            before.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(job -> {
                if (action.changes(job.getValue())) {
                    changed++;
                } else if (unchanged.size() < UNCHANGED_SHOWN) {
                    unchanged.add(new Unchanged(job.getKey(), job.getValue()));
                }
            });
        }

        Outcome outcome() {
            return new Outcome(action.word(), matched, changed, List.copyOf(unchanged));
        }
    }
}
