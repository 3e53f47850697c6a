package io.forkyard.web.stats;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/stats} against the real database, with authentication on: each test has tenants of
 * its own and inserts its jobs and workers directly, with known times, so the answer must equal
 * what was inserted; another tenant's jobs never count.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class StatsTest {

    @Inject
    MinuteRollup rollup;

    @Test
    void eachMinuteCountsTheTenantsFinishedJobsWithTheirLatencyAndRunTimes() throws Exception {
        String tenant = tenant();
        String other = tenant();
        Instant now = minuteNow();
        Instant busy = now.minus(Duration.ofMinutes(5));
        Instant quiet = now.minus(Duration.ofMinutes(10));
        // busy minute: latencies 1..6 s, runs 0.5..2.5 s (the cancelled job never ran)
        for (int i = 1; i <= 4; i++) {
            aFinishedJob(tenant, "SUCCEEDED", busy.plusSeconds(10 + i), i * 1000, i * 500);
        }
        aFinishedJob(tenant, "FAILED", busy.plusSeconds(30), 5000, 2500);
        aFinishedJob(tenant, "CANCELLED", busy.plusSeconds(40), 6000, null);
        aFinishedJob(tenant, "SUCCEEDED", quiet.plusSeconds(59), 250, 100);
        // never counted: another tenant's job in the same minute, and one of ours an hour and more ago
        aFinishedJob(other, "SUCCEEDED", busy.plusSeconds(20), 99_000, 99_000);
        aFinishedJob(tenant, "SUCCEEDED", now.minus(Duration.ofMinutes(61)), 1000, 1000);

        JsonPath stats = stats(key(tenant));

        List<Map<String, Object>> minutes = stats.getList("minutes");
        assertThat(minutes).hasSize(60);
        Instant first = Instant.parse((String) minutes.get(0).get("minute"));
        for (int i = 0; i < 60; i++) {
            assertThat(Instant.parse((String) minutes.get(i).get("minute")))
                    .as("minute %d", i)
                    .isEqualTo(first.plus(Duration.ofMinutes(i)));
        }
        Instant last = first.plus(Duration.ofMinutes(59));
        Instant generatedAt = Instant.parse(stats.getString("generatedAt"));
        assertThat(generatedAt).isBetween(last, last.plus(Duration.ofMinutes(1)));

        Map<String, Object> b = minute(minutes, busy);
        assertThat(b).containsEntry("succeeded", 4).containsEntry("failed", 1).containsEntry("cancelled", 1);
        // percentile_cont: p95 of 1,2,3,4,5,6 s is 5 s + 0.75 of the step to 6 s
        assertThat(b.get("latencyMs")).isEqualTo(Map.of("p50", 3500, "p95", 5750, "max", 6000));
        assertThat(b.get("runMs")).isEqualTo(Map.of("p50", 1500, "p95", 2400));

        Map<String, Object> q = minute(minutes, quiet);
        assertThat(q).containsEntry("succeeded", 1).containsEntry("failed", 0).containsEntry("cancelled", 0);
        assertThat(q.get("latencyMs")).isEqualTo(Map.of("p50", 250, "p95", 250, "max", 250));
        assertThat(q.get("runMs")).isEqualTo(Map.of("p50", 100, "p95", 100));

        long total = 0;
        for (Map<String, Object> m : minutes) {
            total += (Integer) m.get("succeeded") + (Integer) m.get("failed") + (Integer) m.get("cancelled");
            if (m != b && m != q) {
                assertThat(m.get("latencyMs")).as("an empty minute").isEqualTo(nulls("p50", "p95", "max"));
            }
        }
        assertThat(total)
                .as("every job of the tenant finished within the hour, once")
                .isEqualTo(7);

        JsonPath theirs = stats(key(other));
        assertThat(minute(theirs.getList("minutes"), busy)).containsEntry("succeeded", 1);

        // Rolled up, the minutes are kept as they were: the same answer with the jobs gone.
        assertThat(rollup.rollUp()).as("minutes rolled up").isGreaterThanOrEqualTo(10);
        sql("DELETE FROM job WHERE tenant IN ('" + tenant + "', '" + other + "')");
        List<Map<String, Object>> rolled = stats(key(tenant)).getList("minutes");
        assertThat(minute(rolled, busy)).isEqualTo(b);
        assertThat(minute(rolled, quiet)).isEqualTo(q);
        assertThat(minute(stats(key(other)).getList("minutes"), busy)).containsEntry("succeeded", 1);
        assertThat(rollup.rollUp()).as("a minute is rolled up once").isLessThanOrEqualTo(1);
    }

    @Test
    void queueDepthCountsTheTenantsQueuedScheduledAndRunningJobsPerQueue() throws Exception {
        String tenant = tenant();
        String images = "images-" + tenant;
        String mail = "mail-" + tenant;
        anActiveJob(tenant, images, "QUEUED", false);
        anActiveJob(tenant, images, "QUEUED", false);
        anActiveJob(tenant, images, "QUEUED", true);
        anActiveJob(tenant, images, "RUNNING", false);
        anActiveJob(tenant, images, "RUNNING", false);
        anActiveJob(tenant, mail, "RUNNING", false);
        aFinishedJob(tenant, "SUCCEEDED", Instant.now(), 10, 5);
        anActiveJob(tenant(), images, "QUEUED", false); // another tenant's

        List<Map<String, Object>> queues = stats(key(tenant)).getList("queues");

        assertThat(queues)
                .containsExactly(
                        Map.of("queue", images, "queued", 3, "scheduled", 1, "running", 2),
                        Map.of("queue", mail, "queued", 0, "scheduled", 0, "running", 1));
    }

    @Test
    void workersAreTheOnesWithARecentHeartbeatWithTheirPools() throws Exception {
        String live = "w-live-" + UUID.randomUUID();
        String silent = "w-silent-" + UUID.randomUUID();
        sql("INSERT INTO worker (id, queues, slots, busy, buffered, started_at, heartbeat_at) VALUES"
                + " ('" + live + "', '{default,images}', 4, 3, 2, timestamptz '2026-12-01 10:00:00+00', now()),"
                + " ('" + silent + "', '{default}', 2, 0, 0, now() - interval '2 hours', now() - interval '1 minute')");

        List<Map<String, Object>> workers = stats(key(tenant())).getList("workers");

        assertThat(workers).extracting(w -> w.get("id")).contains(live).doesNotContain(silent);
        Map<String, Object> w = workers.stream()
                .filter(x -> live.equals(x.get("id")))
                .findFirst()
                .orElseThrow();
        assertThat(w)
                .containsEntry("queues", List.of("default", "images"))
                .containsEntry("slots", 4)
                .containsEntry("busy", 3)
                .containsEntry("idle", 1)
                .containsEntry("buffered", 2)
                .containsEntry("startedAt", "2026-12-01T10:00:00Z");
        assertThat(Instant.parse((String) w.get("heartbeatAt")))
                .isAfter(Instant.now().minusSeconds(60));
    }

    private static JsonPath stats(String key) {
        return given().header("Authorization", "Bearer " + key)
                .when()
                .get("/api/stats")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static Map<String, Object> minute(List<Map<String, Object>> minutes, Instant minute) {
        return minutes.stream()
                .filter(m -> Instant.parse((String) m.get("minute")).equals(minute))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no minute " + minute + " in " + minutes));
    }

    private static Map<String, Object> nulls(String... keys) {
        Map<String, Object> map = new java.util.HashMap<>();
        for (String k : keys) {
            map.put(k, null);
        }
        return map;
    }

    /** The start of the database's current minute. */
    private static Instant minuteNow() throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT date_trunc('minute', now())")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /** A job that finished at {@code finishedAt}, submitted {@code latencyMs} and started {@code runMs} before. */
    private static void aFinishedJob(String tenant, String status, Instant finishedAt, long latencyMs, Integer runMs)
            throws Exception {
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                                + " created_at, started_at, finished_at)"
                                + " VALUES (gen_random_uuid(), ?, 'noop', 'stats', ?, '{}'::jsonb, 3, 30,"
                                + " ?::timestamptz - ? * interval '1 millisecond',"
                                + " ?::timestamptz - ? * interval '1 millisecond', ?::timestamptz)",
                        tenant,
                        status,
                        finishedAt.toString(),
                        latencyMs,
                        runMs == null ? null : finishedAt.toString(),
                        runMs == null ? 0 : runMs,
                        finishedAt.toString());
    }

    private static void anActiveJob(String tenant, String queue, String status, boolean later) throws Exception {
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                                + " run_at, lease_token, lease_owner, lease_expires_at)"
                                + " VALUES (gen_random_uuid(), ?, 'noop', ?, ?, '{}'::jsonb, 3, 30,"
                                + " now() + CASE WHEN ? THEN interval '1 hour' ELSE interval '0' END,"
                                + " CASE WHEN ? = 'RUNNING' THEN gen_random_uuid() END,"
                                + " CASE WHEN ? = 'RUNNING' THEN 'w' END,"
                                + " CASE WHEN ? = 'RUNNING' THEN now() + interval '1 hour' END)",
                        tenant,
                        queue,
                        status,
                        later,
                        status,
                        status,
                        status);
    }

    private static void sql(String sql) throws Exception {
        ForkyardTestResource.database().update(sql);
    }

    static String tenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "stats test");
        }
    }
}
