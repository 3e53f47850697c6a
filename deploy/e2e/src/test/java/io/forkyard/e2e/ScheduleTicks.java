package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A running system's schedule that ticks every second (README "Schedules"): made through the API,
 * deleted when the test is done, and then its jobs read back from {@code job}: one per second from
 * the first tick to the last, none missing and none twice, with how late each was made.
 */
final class ScheduleTicks {

    static final String EVERY_SECOND =
            "{\"name\":\"every-second\",\"cron\":\"* * * * * *\"," + "\"job\":{\"type\":\"noop\",\"input\":{}}}";

    /** The ticks: how many, and how late their jobs were made (p50, p99, max). */
    record Report(int ticks, Duration p50, Duration p99, Duration max) {
        @Override
        public String toString() {
            return "ticks=" + ticks + " late p50=" + p50.toMillis() + "ms p99=" + p99.toMillis() + "ms max="
                    + max.toMillis() + "ms";
        }
    }

    private ScheduleTicks() {}

    /** Makes the every-second schedule; returns its id. */
    static String start(JobClient client) throws Exception {
        JobClient.Reply made = client.post("/api/schedules", EVERY_SECOND);
        assertThat(made.status()).as("%s", made.body()).isEqualTo(201);
        return made.body().path("id").asText();
    }

    /** Deletes the schedule and checks that every second from its first tick to its last made ONE job. */
    static Report stop(JobClient client, TestDatabase database, String id) throws Exception {
        assertThat(client.delete("/api/schedules/" + id).status()).isEqualTo(204);
        List<Instant> ticks = new ArrayList<>();
        List<Duration> late = new ArrayList<>();
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement("SELECT scheduled_for, created_at FROM job"
                        + " WHERE schedule_id = ?::uuid ORDER BY scheduled_for")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Instant tick = rs.getTimestamp(1).toInstant();
                    ticks.add(tick);
                    late.add(Duration.between(tick, rs.getTimestamp(2).toInstant()));
                }
            }
        }
        assertThat(ticks).as("ticks").isNotEmpty();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i - 1), ticks.get(i)))
                    .as("from tick %s to the next", ticks.get(i - 1))
                    .isEqualTo(Duration.ofSeconds(1));
        }
        late.sort(null);
        return new Report(
                ticks.size(),
                late.get(late.size() / 2),
                late.get(Math.min(late.size() - 1, (int) Math.ceil(late.size() * 0.99) - 1)),
                late.get(late.size() - 1));
    }
}
