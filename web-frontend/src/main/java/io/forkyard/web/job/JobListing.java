package io.forkyard.web.job;

import io.forkyard.job.Job;
import io.forkyard.job.JobStatus;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Topics;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The job listing: a tenant's jobs, newest first (by {@code createdAt}, then id), keyset-paged. The
 * cursor is opaque to clients: the position of the last job of a page, so a page never repeats or
 * skips a job while new ones arrive (they sort before the first page). Filters: status, type,
 * queue, and {@code q}, a prefix of the job id. A bad parameter is a {@code 400} naming it.
 */
@ApplicationScoped
public class JobListing {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    static final Pattern ID_PREFIX = Pattern.compile("[0-9a-f-]{1,36}");
    static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    /** One page, and the cursor of the next one (null on the last page). */
    public record Page(List<JobView> items, String nextCursor) {}

    /**
     * The listing's filters, checked as the listing checks them (a bad one is a 400 naming it), for
     * whoever filters jobs the same way (the live events); null means any.
     */
    public record Filter(JobStatus status, String type, String queue, String idPrefix, UUID batch) {

        /** The filters of the tenant's live events ({@code GET /api/events}). */
        public static Filter of(String status, String type, String queue, String q) {
            return new Filter(
                    status == null ? null : JobListing.status(status),
                    type == null ? null : matching("type", type, TYPE, "must be a job type name"),
                    queue == null ? null : matching("queue", queue, Topics.QUEUE_NAME, "must be a queue name"),
                    q == null
                            ? null
                            : matching("q", q.toLowerCase(Locale.ROOT), ID_PREFIX, "must be the start of a job id"),
                    null);
        }

        /** The jobs of one batch, in {@code status} when it is not null. */
        public static Filter batch(UUID batch, JobStatus status) {
            return new Filter(status, null, null, null, batch);
        }

        /** Whether a job with this id, status, type, queue and batch (null: none) passes every filter. */
        public boolean matches(UUID id, String status, String type, String queue, UUID batchId) {
            return (this.status == null || this.status.name().equals(status))
                    && (this.type == null || this.type.equals(type))
                    && (this.queue == null || this.queue.equals(queue))
                    && (idPrefix == null || id.toString().startsWith(idPrefix))
                    && (batch == null || batch.equals(batchId));
        }
    }

    /** Where a page ends: the last job's creation time and id. */
    record Position(Instant createdAt, UUID id) {

        String encode() {
            String raw = createdAt + "|" + id;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String cursor) {
            try {
                String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int bar = raw.indexOf('|');
                return new Position(Instant.parse(raw.substring(0, bar)), UUID.fromString(raw.substring(bar + 1)));
            } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                throw invalid("cursor", "is not a cursor this API gave out");
            }
        }
    }

    public Page list(
            String tenant,
            String status,
            String type,
            String queue,
            String q,
            String batch,
            String limit,
            String cursor) {
        StringBuilder where = new StringBuilder("tenant = :tenant");
        Map<String, Object> params = new HashMap<>();
        params.put("tenant", tenant);
        if (batch != null) {
            where.append(" and batchId = :batch");
            params.put("batch", batchId(batch));
        }
        if (status != null) {
            where.append(" and status = :status");
            params.put("status", status(status));
        }
        if (type != null) {
            where.append(" and type = :type");
            params.put("type", matching("type", type, TYPE, "must be a job type name"));
        }
        if (queue != null) {
            where.append(" and queue = :queue");
            params.put("queue", matching("queue", queue, Topics.QUEUE_NAME, "must be a queue name"));
        }
        if (q != null) {
            String prefix = matching("q", q.toLowerCase(Locale.ROOT), ID_PREFIX, "must be the start of a job id");
            where.append(" and str(id) like :prefix");
            params.put("prefix", prefix + "%");
        }
        if (cursor != null) {
            Position after = Position.decode(cursor);
            where.append(" and (createdAt < :createdAt or (createdAt = :createdAt and id < :id))");
            params.put("createdAt", after.createdAt());
            params.put("id", after.id());
        }
        int size = limit(limit);
        List<Job> rows = Job.<Job>find(where + " order by createdAt desc, id desc", params)
                .range(0, size) // one more than a page: whether another page follows
                .list();
        List<JobView> items = new ArrayList<>(Math.min(rows.size(), size));
        for (int i = 0; i < Math.min(rows.size(), size); i++) {
            items.add(JobView.of(rows.get(i)));
        }
        String next = null;
        if (rows.size() > size) {
            Job last = rows.get(size - 1);
            next = new Position(last.createdAt, last.id).encode();
        }
        return new Page(items, next);
    }

    private static JobStatus status(String status) {
        try {
            return JobStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw invalid("status", "must be one of " + List.of(JobStatus.values()) + ", was " + status);
        }
    }

    /** The {@code batch} parameter; a malformed one is a 400 naming it. */
    private static UUID batchId(String batch) {
        try {
            return UUID.fromString(batch);
        } catch (IllegalArgumentException e) {
            throw invalid("batch", "must be a batch id (a UUID), was " + batch);
        }
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw invalid("limit", "must be a whole number from 1 to " + MAX_LIMIT + ", was " + limit);
    }

    private static String matching(String name, String value, Pattern pattern, String rule) {
        if (!pattern.matcher(value).matches()) {
            throw invalid(name, rule + ", was " + value);
        }
        return value;
    }

    private static ProblemException invalid(String parameter, String message) {
        return new ProblemException(Problem.of(
                "invalid-parameter",
                "Invalid parameter",
                400,
                parameter + ": " + message,
                List.of(new Violations.Violation(parameter, message))));
    }
}
