package io.forkyard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.job.JobStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The status changes a statement really made in the database, checked against {@link JobStatus}'s
 * transition table. A test puts jobs in every status (and every flag that matters) in front of a
 * real statement, reads the statuses again, and asserts that each change is one {@code JobStatus}
 * allows and that the statement made exactly the changes its class declares (the {@code
 * requireTransition} calls in its static block). So a statement that starts making a transition
 * the state machine forbids, or one it does not declare, fails a test.
 */
public final class JobTransitions {

    private JobTransitions() {}

    /** One status change, written {@code FROM -> TO}. */
    public record Change(JobStatus from, JobStatus to) implements Comparable<Change> {

        public static Change of(JobStatus from, JobStatus to) {
            return new Change(from, to);
        }

        @Override
        public int compareTo(Change other) {
            return toString().compareTo(other.toString());
        }

        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    /** The current status of each job. */
    public static Map<UUID, JobStatus> statuses(TestDatabase database, Collection<UUID> ids) throws Exception {
        Map<UUID, JobStatus> statuses = new HashMap<>();
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement("SELECT id, status FROM job WHERE id = ANY(?)")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    statuses.put(rs.getObject(1, UUID.class), JobStatus.valueOf(rs.getString(2)));
                }
            }
        }
        assertThat(statuses.keySet()).as("every job is still there").containsExactlyInAnyOrderElementsOf(ids);
        return statuses;
    }

    /** The distinct changes from {@code before} to {@code after}; jobs whose status stayed are left out. */
    public static Set<Change> changes(Map<UUID, JobStatus> before, Map<UUID, JobStatus> after) {
        Set<Change> changes = new TreeSet<>();
        before.forEach((id, from) -> {
            JobStatus to = after.get(id);
            if (to != from) {
                changes.add(Change.of(from, to));
            }
        });
        return changes;
    }

    /**
     * Asserts that every change {@code statement} made is allowed by {@link JobStatus}, and that it
     * made exactly {@code declared}.
     */
    public static void assertMadeExactly(String statement, Set<Change> made, Change... declared) {
        assertThat(made)
                .as("%s made a change JobStatus forbids", statement)
                .allSatisfy(c -> assertThat(c.from().canMoveTo(c.to()))
                        .as("JobStatus allows %s", c)
                        .isTrue());
        assertThat(made)
                .as("the changes %s made, against those its class declares", statement)
                .containsExactlyInAnyOrder(declared);
    }
}
