package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a fault test accepted, and what the database says happened to it. The figures a fault test
 * reports and asserts: lost (accepted, never final), duplicate results (more than one successful
 * attempt of a job), unexpected (a job or attempt the test never got a 202 for), and duplicate
 * executions (attempts beyond the first; allowed, counted).
 */
final class Ledger {

    /** The figures of one fault test. */
    record Report(
            String name,
            int accepted,
            int succeeded,
            int failed,
            int lost,
            int duplicateResults,
            int unexpected,
            int duplicateExecutions,
            Duration drain) {
        @Override
        public String toString() {
            return String.format(
                    "FAULT %s: jobs=%d succeeded=%d failed=%d lost=%d duplicate-results=%d unexpected=%d"
                            + " duplicate-executions=%d drain=%.1fs",
                    name,
                    accepted,
                    succeeded,
                    failed,
                    lost,
                    duplicateResults,
                    unexpected,
                    duplicateExecutions,
                    drain.toMillis() / 1000.0);
        }
    }

    private static final String EXPECT_FAILED = "<FAILED>";

    private final TestDatabase database;
    /** Accepted job ids with what the test expects of each (e.g. the digest), may be null. */
    private final Map<UUID, String> accepted = new ConcurrentHashMap<>();

    Ledger(TestDatabase database) {
        this.database = database;
    }

    void accepted(String id, String expectation) {
        accepted.put(UUID.fromString(id), expectation == null ? "" : expectation);
    }

    /** A job the test expects to end FAILED. */
    void acceptedToFail(String id) {
        accepted.put(UUID.fromString(id), EXPECT_FAILED);
    }

    int size() {
        return accepted.size();
    }

    Map<UUID, String> all() {
        return Map.copyOf(accepted);
    }

    /** Waits until every accepted job is final (or the timeout), then counts. */
    Report settle(String name, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (unfinished() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        Duration drain = Duration.ofNanos(System.nanoTime() - start);
        Report report = count(name, drain);
        System.out.println(report);
        return report;
    }

    /** Statuses and results of every job that finished, but a schedule's (a test's own check). */
    Map<UUID, String[]> outcomes() throws Exception {
        Map<UUID, String[]> out = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT id, status, result ->> 'hex', error_code FROM job WHERE schedule_id IS NULL");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.put((UUID) rs.getObject(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        return out;
    }

    /**
     * The promises of a fault test: nothing lost, no second result, nothing unexpected, and every
     * accepted job SUCCEEDED with the digest computed independently when it was submitted (or
     * FAILED, for the jobs the test meant to fail).
     */
    void assertAllSucceededOnce(Report report) throws Exception {
        assertThat(report.lost()).as("lost").isZero();
        assertThat(report.duplicateResults()).as("duplicate results").isZero();
        assertThat(report.unexpected()).as("unexpected").isZero();
        Map<UUID, String[]> outcomes = outcomes();
        for (Map.Entry<UUID, String> job : accepted.entrySet()) {
            String[] o = outcomes.get(job.getKey());
            if (EXPECT_FAILED.equals(job.getValue())) {
                assertThat(o[0]).as("status of " + job.getKey()).isEqualTo("FAILED");
            } else {
                assertThat(o[0]).as("status of " + job.getKey() + " " + o[2]).isEqualTo("SUCCEEDED");
                assertThat(o[1]).as("digest of " + job.getKey()).isEqualTo(job.getValue());
            }
        }
    }

    private int unfinished() throws Exception {
        int n = 0;
        Map<UUID, String[]> outcomes = outcomes();
        for (UUID id : accepted.keySet()) {
            String[] o = outcomes.get(id);
            if (o == null || !(o[0].equals("SUCCEEDED") || o[0].equals("FAILED") || o[0].equals("CANCELLED"))) {
                n++;
            }
        }
        return n;
    }

    private Report count(String name, Duration drain) throws Exception {
        Map<UUID, String[]> outcomes = outcomes();
        int succeeded = 0;
        int failed = 0;
        int lost = 0;
        for (UUID id : accepted.keySet()) {
            String[] o = outcomes.get(id);
            if (o == null) {
                lost++;
            } else if (o[0].equals("SUCCEEDED")) {
                succeeded++;
            } else if (o[0].equals("FAILED") || o[0].equals("CANCELLED")) {
                failed++;
            } else {
                lost++;
            }
        }
        Set<UUID> unexpected = new HashSet<>(outcomes.keySet());
        unexpected.removeAll(accepted.keySet());
        int duplicateResults = 0;
        int duplicateExecutions = 0;
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT job_id, count(*),"
                        + " count(*) FILTER (WHERE outcome = 'SUCCEEDED') FROM job_attempt"
                        + " WHERE job_id NOT IN (SELECT id FROM job WHERE schedule_id IS NOT NULL) GROUP BY job_id");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = (UUID) rs.getObject(1);
                if (!accepted.containsKey(id)) {
                    unexpected.add(id);
                }
                duplicateExecutions += rs.getInt(2) - 1;
                duplicateResults += Math.max(0, rs.getInt(3) - 1);
            }
        }
        return new Report(
                name,
                accepted.size(),
                succeeded,
                failed,
                lost,
                duplicateResults,
                unexpected.size(),
                duplicateExecutions,
                drain);
    }

    private Connection connect() throws Exception {
        return database.connect();
    }
}
