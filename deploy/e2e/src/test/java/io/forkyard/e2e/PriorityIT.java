package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Priorities on a running system (README "Priorities"): one worker with one child is kept busy by
 * 200 {@code sha256} jobs of a million rounds; a job of priority 9 submitted behind them is claimed through the queue's
 * urgent topic and starts in the first free slot, before most of the jobs submitted before it.
 */
class PriorityIT {

    private static final String LOW = "{\"type\":\"sha256\",\"input\":{\"text\":\"low\",\"rounds\":1000000}}";

    private static long started(Forkyard system, List<String> ids) throws Exception {
        try (Connection c = system.database.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM job WHERE started_at IS NOT NULL AND id::text = ANY(?)")) {
            s.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anUrgentJobSubmittedBehindTwoHundredStartsBeforeMostOfThem() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            system.startWorker(1);
            JobClient client = system.client();
            List<String> low = client.submitBatchOk(
                    IntStream.range(0, 200).mapToObj(i -> LOW).collect(Collectors.joining(",", "[", "]")));
            // the worker is busy and warm
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> started(system, low) >= 10);
            String urgent = client.submitOk(
                    "{\"type\":\"sha256\",\"input\":{\"text\":\"urgent\",\"rounds\":200000},\"priority\":9}");

            client.awaitStatus(urgent, "SUCCEEDED", Duration.ofSeconds(120));
            long startedAfter;
            long startedBefore;
            try (Connection c = system.database.connect();
                    PreparedStatement s = c.prepareStatement("""
                            SELECT count(*) FILTER (WHERE j.started_at IS NULL OR j.started_at > u.started_at),
                                   count(*) FILTER (WHERE j.started_at < u.started_at)
                              FROM job j, job u WHERE u.id = ?::uuid AND j.id::text = ANY(?)
                            """)) {
                s.setString(1, urgent);
                s.setArray(2, c.createArrayOf("text", low.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    startedAfter = rs.getLong(1);
                    startedBefore = rs.getLong(2);
                }
            }
            System.out.println("priority: the urgent job started after " + startedBefore
                    + " of the 200 before it, before " + startedAfter);
            assertThat(startedAfter)
                    .as("low jobs that started after the urgent one (of 200 submitted before it)")
                    .isGreaterThan(100);
        }
    }
}
