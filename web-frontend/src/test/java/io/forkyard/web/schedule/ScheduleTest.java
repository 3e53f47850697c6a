package io.forkyard.web.schedule;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Schedules (README "Schedules") against the real database, with authentication on. The background
 * ticker is off in tests ({@code schedules.tick=false}): each test moves time itself, calling the
 * ticker at the instants it chooses and setting a schedule's next tick where it needs it, so
 * downtime, racing replicas and a daylight-saving night take no real time. Each test deletes its
 * schedule, so no other test's round sees it.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class ScheduleTest {

    @Inject
    ScheduleTicker ticker;

    @Test
    void aBadScheduleIs422NamingEachFieldAndStoresNothing() throws Exception {
        String key = key(tenant());
        String body = "{\"name\":\"bad\",\"cron\":\"0 25 * * *\",\"timeZone\":\"Mars/Olympus\",\"misfire\":\"later\","
                + "\"colour\":1,\"job\":{\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":0},"
                + "\"queue\":\"nowhere\",\"runAt\":\"2026-12-24T00:00:00Z\"}}";
        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body)
                .post("/api/schedules")
                .then()
                .statusCode(422)
                .body("type", equalTo("https://forkyard.io/problems/invalid-schedule"))
                .body(
                        "errors.field",
                        hasItems("cron", "timeZone", "misfire", "colour", "job.input.rounds", "job.queue", "job.runAt"))
                .body("errors.find { it.field == 'cron' }.message", equalTo("hour: 25 is out of range 0-23"));
        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("{\"name\":\"no job\",\"cron\":\"* * * * *\"}")
                .post("/api/schedules")
                .then()
                .statusCode(422)
                .body("errors.field", equalTo(List.of("job")));
        assertThat(given().header("Authorization", "Bearer " + key)
                        .get("/api/schedules")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("schedules"))
                .isEmpty();
    }

    @Test
    void aScheduleShowsItsNextRunsIsTheTenantsOwnAndKeepsItsNameUnique() throws Exception {
        String key = key(tenant());
        JsonPath made = create(key, "reports", "0 3 * * *", "Europe/Berlin", "run-once")
                .extract()
                .jsonPath();
        String id = made.getString("id");
        List<Instant> next = made.getList("nextRuns", String.class).stream()
                .map(Instant::parse)
                .toList();
        assertThat(next).hasSize(5).isSorted().allMatch(t -> t.isAfter(Instant.now()));
        assertThat(next.get(1))
                .isEqualTo(Cron.parse("0 3 * * *").next(next.get(0), java.time.ZoneId.of("Europe/Berlin")));
        assertThat(made.getString("job.type")).isEqualTo("noop");
        assertThat(made.getString("job.queue")).isEqualTo("default");

        create(key, "reports", "* * * * *", "UTC", "skip").statusCode(409);
        String other = key(tenant());
        given().header("Authorization", "Bearer " + other)
                .get("/api/schedules/" + id)
                .then()
                .statusCode(404);
        given().header("Authorization", "Bearer " + other)
                .delete("/api/schedules/" + id)
                .then()
                .statusCode(404);

        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body("reports", "0 3 * * *", "Europe/Berlin", "skip").replaceFirst("}$", ",\"enabled\":false}"))
                .put("/api/schedules/" + id)
                .then()
                .statusCode(200)
                .body("enabled", equalTo(false))
                .body("misfire", equalTo("skip"))
                .body("nextRuns", equalTo(List.of()));
        assertThat(nextRunAt(id)).as("a disabled schedule has no next tick").isNull();
        given().header("Authorization", "Bearer " + key)
                .delete("/api/schedules/" + id)
                .then()
                .statusCode(204);
        given().header("Authorization", "Bearer " + key)
                .get("/api/schedules/" + id)
                .then()
                .statusCode(404);
    }

    @Test
    void replicasRacingOverTheSameDueTickMakeOneJob() throws Exception {
        String key = key(tenant());
        String id =
                create(key, "race", "* * * * *", "UTC", "run-once").extract().path("id");
        Instant due = nextRunAt(id);
        Instant now = due.plusMillis(300);

        ExecutorService replicas = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 3; round++) {
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<Integer>> rounds = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    rounds.add(replicas.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return ticker.tick(now);
                    }));
                }
                int handled = 0;
                for (Future<Integer> f : rounds) {
                    handled += f.get(30, TimeUnit.SECONDS);
                }
                assertThat(handled)
                        .as("round %d: schedules handled by all replicas", round)
                        .isLessThanOrEqualTo(1);
            }
        } finally {
            replicas.shutdownNow();
        }

        assertThat(ticks(id)).containsExactly(due);
        assertThat(nextRunAt(id)).isEqualTo(due.plusSeconds(60));
        assertThat(given().header("Authorization", "Bearer " + key)
                        .get("/api/schedules/" + id)
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("lastJobs.scheduledFor"))
                .containsExactly(due.toString());
        delete(key, id);
    }

    @Test
    void ticksThatPassedWhileNothingRanFollowTheMisfirePolicy() throws Exception {
        String key = key(tenant());
        String once =
                create(key, "once", "* * * * *", "UTC", "run-once").extract().path("id");
        String skip = create(key, "skip", "* * * * *", "UTC", "skip").extract().path("id");
        Instant due =
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minus(Duration.ofHours(2));
        setNextRunAt(once, due);
        setNextRunAt(skip, due);

        // Back after two hours: every web replica was down (or restarted) over 120 ticks.
        Instant back = due.plus(Duration.ofMinutes(120)).plusSeconds(20);
        ticker.tick(back);
        ticker.tick(back.plusSeconds(5)); // a second round changes nothing

        Instant lastOnTime = due.plus(Duration.ofMinutes(120));
        // The first 120 ticks are more than the threshold (1 min) late: one job for them all, or none.
        assertThat(ticks(once)).containsExactly(due, lastOnTime);
        assertThat(ticks(skip)).containsExactly(lastOnTime);
        assertThat(nextRunAt(once)).isEqualTo(lastOnTime.plusSeconds(60));
        delete(key, once);
        delete(key, skip);
    }

    @Test
    void aDaylightSavingNightMakesEachWallClockTickOnce() throws Exception {
        String key = key(tenant());
        String autumn = create(key, "autumn", "30 1 * * *", "America/New_York", "skip")
                .extract()
                .path("id");
        String spring = create(key, "spring", "30 2 * * *", "America/New_York", "skip")
                .extract()
                .path("id");
        String hourly = create(key, "hourly", "0 * * * *", "America/New_York", "skip")
                .extract()
                .path("id");

        // 1 November 2026: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30Z and 06:30Z.
        setNextRunAt(autumn, Instant.parse("2026-11-01T05:30:00Z"));
        setNextRunAt(hourly, Instant.parse("2026-11-01T04:00:00Z"));
        walk(Instant.parse("2026-11-01T03:50:00Z"), Instant.parse("2026-11-01T08:10:00Z"));
        assertThat(ticks(autumn)).containsExactly(Instant.parse("2026-11-01T05:30:00Z"));
        assertThat(ticks(hourly))
                .as("00:00 EDT, 01:00 EDT, then 02:00 EST (01:00 EST is the repeat of a time that ran), 03:00 EST")
                .containsExactly(
                        Instant.parse("2026-11-01T04:00:00Z"),
                        Instant.parse("2026-11-01T05:00:00Z"),
                        Instant.parse("2026-11-01T07:00:00Z"),
                        Instant.parse("2026-11-01T08:00:00Z"));

        // 14 March 2027: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that night and runs at 03:30 EDT.
        setNextRunAt(spring, Instant.parse("2027-03-13T07:30:00Z"));
        walk(Instant.parse("2027-03-13T07:00:00Z"), Instant.parse("2027-03-15T08:00:00Z"), Duration.ofMinutes(5));
        assertThat(ticks(spring))
                .containsExactly(
                        Instant.parse("2027-03-13T07:30:00Z"),
                        Instant.parse("2027-03-14T07:30:00Z"),
                        Instant.parse("2027-03-15T06:30:00Z"));
        delete(key, autumn);
        delete(key, spring);
        delete(key, hourly);
    }

    // --- fixtures ------------------------------------------------------------------------------

    /** Runs the ticker every 30 s of simulated time from {@code from} to {@code to}. */
    private void walk(Instant from, Instant to) throws Exception {
        walk(from, to, Duration.ofSeconds(30));
    }

    private void walk(Instant from, Instant to, Duration step) throws Exception {
        for (Instant t = from; !t.isAfter(to); t = t.plus(step)) {
            ticker.tick(t);
        }
    }

    private static String body(String name, String cron, String zone, String misfire) {
        return "{\"name\":\"" + name + "\",\"cron\":\"" + cron + "\",\"timeZone\":\"" + zone + "\",\"misfire\":\""
                + misfire + "\",\"job\":{\"type\":\"noop\",\"input\":{}}}";
    }

    private static ValidatableResponse create(String key, String name, String cron, String zone, String misfire) {
        ValidatableResponse made = given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body(name, cron, zone, misfire))
                .post("/api/schedules")
                .then();
        return made;
    }

    private static void delete(String key, String id) {
        given().header("Authorization", "Bearer " + key)
                .delete("/api/schedules/" + id)
                .then()
                .statusCode(204);
    }

    private static List<Instant> ticks(String schedule) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT scheduled_for FROM job WHERE schedule_id = ?::uuid ORDER BY scheduled_for")) {
            s.setString(1, schedule);
            List<Instant> ticks = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ticks.add(rs.getTimestamp(1).toInstant());
                }
            }
            return ticks;
        }
    }

    private static Instant nextRunAt(String schedule) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT next_run_at FROM schedule WHERE id = ?::uuid")) {
            s.setString(1, schedule);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Timestamp t = rs.getTimestamp(1);
                return t == null ? null : t.toInstant();
            }
        }
    }

    private static void setNextRunAt(String schedule, Instant at) throws Exception {
        ForkyardTestResource.database()
                .update("UPDATE schedule SET next_run_at = ? WHERE id = ?::uuid", Timestamp.from(at), schedule);
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "schedule-test");
        }
    }

    private static String tenant() {
        return "schedules-" + UUID.randomUUID();
    }
}
