package io.forkyard.web.event;

import io.forkyard.db.Jdbc;
import io.forkyard.job.JobStatus;
import io.forkyard.web.job.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A job's events as PostgreSQL has them: the truth a job's stream starts from and fills its gaps
 * from. ONE statement reads the job (scoped to the tenant) and its events after a given seq, in
 * one snapshot, so what it says of the job and of its events agree.
 */
@ApplicationScoped
public class JobEventHistory {

    /** Events read per statement; a stream reads again while a read came back full. */
    static final int PAGE = 500;

    static final String AFTER = """
            SELECT j.event_seq, j.status, j.type, j.queue, j.batch_id,
                   e.seq, e.status AS event_status, e.progress_percent, e.progress_message, e.at
              FROM job j
              LEFT JOIN LATERAL (SELECT * FROM job_event WHERE job_id = j.id AND seq > ? ORDER BY seq LIMIT ?) e
                ON true
             WHERE j.id = ? AND j.tenant = ?
             ORDER BY e.seq
            """;

    /**
     * The job's events with a seq above {@code after} (at most {@link #PAGE}), oldest first, and
     * where the job stands; empty when the tenant has no such job (any more).
     */
    public record Page(List<JobEvent> events, int lastSeq, JobStatus status) {

        /** Whether nothing follows seq {@code seq}: the job is finished and has no later event. */
        boolean endsAt(int seq) {
            return status.isFinal() && lastSeq <= seq;
        }
    }

    @Inject
    DataSource dataSource;

    public Optional<Page> after(UUID jobId, String tenant, int after) throws SQLException {
        return Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(AFTER)) {
                s.setInt(1, after);
                s.setInt(2, PAGE);
                s.setObject(3, jobId);
                s.setString(4, tenant);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int lastSeq = rs.getInt("event_seq");
                    JobStatus status = JobStatus.valueOf(rs.getString("status"));
                    List<JobEvent> events = new ArrayList<>();
                    do {
                        int seq = rs.getInt("seq");
                        if (!rs.wasNull()) {
                            events.add(new JobEvent(
                                    jobId,
                                    seq,
                                    rs.getString("event_status"),
                                    new JobView.Progress(
                                            rs.getObject("progress_percent", Integer.class),
                                            rs.getString("progress_message")),
                                    Jdbc.instant(rs.getTimestamp("at")),
                                    rs.getString("type"),
                                    rs.getString("queue"),
                                    rs.getObject("batch_id", UUID.class)));
                        }
                    } while (rs.next());
                    return Optional.of(new Page(events, lastSeq, status));
                }
            }
        });
    }
}
