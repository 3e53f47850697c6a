package io.forkyard.web.job;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.hasItem;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/jobs/bulk} against the real database, with authentication on and tenants of each
 * test's own: the jobs are put in each status directly (no worker runs), and the test reads back
 * which changed. Another tenant's jobs are never matched nor changed.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class JobBulkTest {

    @Test
    void cancelByIdsEndsQueuedJobsAsksRunningOnesToStopAndLeavesTheRestWithTheirStatus() throws Exception {
        String tenant = tenant();
        UUID queued = aJob(tenant, "q", "QUEUED");
        UUID running = aJob(tenant, "q", "RUNNING");
        UUID succeeded = aJob(tenant, "q", "SUCCEEDED");
        UUID failed = aJob(tenant, "q", "FAILED");
        UUID theirs = aJob(tenant(), "q", "QUEUED");
        UUID unknown = UUID.randomUUID();

        JsonPath answer = bulk(
                key(tenant),
                "{\"action\":\"cancel\",\"ids\":" + json(queued, running, succeeded, failed, theirs, unknown, queued)
                        + "}");

        assertThat(answer.getString("action")).isEqualTo("cancel");
        assertThat(answer.getInt("matched")).isEqualTo(4);
        assertThat(answer.getInt("changed")).isEqualTo(2);
        assertThat(unchanged(answer)).isEqualTo(Map.of(succeeded, "SUCCEEDED", failed, "FAILED"));
        assertThat(row(queued)).isEqualTo(new Row("CANCELLED", true));
        assertThat(row(running)).as("its worker stops it").isEqualTo(new Row("RUNNING", true));
        assertThat(row(succeeded)).isEqualTo(new Row("SUCCEEDED", false));
        assertThat(row(failed)).isEqualTo(new Row("FAILED", false));
        assertThat(row(theirs)).as("another tenant's job").isEqualTo(new Row("QUEUED", false));
    }

    @Test
    void retryByIdsRequeuesFailedAndCancelledJobsWithFreshAttempts() throws Exception {
        String tenant = tenant();
        UUID failed = aJob(tenant, "q", "FAILED");
        UUID cancelled = aJob(tenant, "q", "CANCELLED");
        UUID running = aJob(tenant, "q", "RUNNING");
        UUID theirs = aJob(tenant(), "q", "FAILED");

        JsonPath answer =
                bulk(key(tenant), "{\"action\":\"retry\",\"ids\":" + json(failed, cancelled, running, theirs) + "}");

        assertThat(answer.getInt("matched")).isEqualTo(3);
        assertThat(answer.getInt("changed")).isEqualTo(2);
        assertThat(unchanged(answer)).isEqualTo(Map.of(running, "RUNNING"));
        for (UUID id : List.of(failed, cancelled)) {
            given().header("Authorization", "Bearer " + key(tenant))
                    .get("/api/jobs/" + id)
                    .then()
                    .statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("QUEUED"))
                    .body("attempt", org.hamcrest.Matchers.equalTo(0))
                    .body("error", org.hamcrest.Matchers.nullValue());
        }
        assertThat(row(theirs)).as("another tenant's job").isEqualTo(new Row("FAILED", false));
    }

    /**
     * More jobs than a chunk (500), many created in the same second so the chunks' keyset order rests on
     * the id: every matching job changes exactly once, the others and another tenant's never.
     */
    @Test
    void aFilterActsOnEveryMatchingJobAcrossChunks() throws Exception {
        String tenant = tenant();
        String queue = "bulk-" + tenant;
        List<UUID> failed = someJobs(tenant, queue, "FAILED", 1203);
        List<UUID> succeeded = someJobs(tenant, queue, "SUCCEEDED", 3);
        UUID elsewhere = aJob(tenant, "other-" + tenant, "FAILED");
        UUID theirs = aJob(tenant(), queue, "FAILED");
        String key = key(tenant);

        JsonPath retried =
                bulk(key, "{\"action\":\"retry\",\"filter\":{\"status\":\"FAILED\",\"queue\":\"" + queue + "\"}}");

        assertThat(retried.getInt("matched")).isEqualTo(1203);
        assertThat(retried.getInt("changed")).isEqualTo(1203);
        assertThat(retried.getList("unchanged")).isEmpty();
        assertThat(statuses(failed)).containsOnlyKeys("QUEUED").containsEntry("QUEUED", 1203L);

        JsonPath cancelled =
                bulk(key, "{\"action\":\"cancel\",\"filter\":{\"queue\":\"" + queue + "\",\"type\":\"noop\"}}");

        assertThat(cancelled.getInt("matched")).isEqualTo(1206);
        assertThat(cancelled.getInt("changed")).isEqualTo(1203);
        assertThat(unchanged(cancelled).keySet()).containsExactlyInAnyOrderElementsOf(succeeded);
        assertThat(statuses(failed)).containsOnlyKeys("CANCELLED");
        assertThat(statuses(succeeded)).containsOnlyKeys("SUCCEEDED");
        assertThat(row(elsewhere)).isEqualTo(new Row("FAILED", false));
        assertThat(row(theirs)).as("another tenant's job").isEqualTo(new Row("FAILED", false));

        JsonPath byPrefix = bulk(
                key,
                "{\"action\":\"retry\",\"filter\":{\"q\":\""
                        + elsewhere.toString().substring(0, 18) + "\"}}");
        assertThat(byPrefix.getInt("matched")).isEqualTo(1);
        assertThat(row(elsewhere).status()).isEqualTo("QUEUED");
    }

    @Test
    void aBadBodyIsA400NamingTheFieldAndChangesNothing() throws Exception {
        String tenant = tenant();
        UUID queued = aJob(tenant, "q", "QUEUED");
        String id = "\"" + queued + "\"";
        String thousandAndOne = IntStream.range(0, 1001).mapToObj(i -> id).collect(Collectors.joining(",", "[", "]"));
        String key = key(tenant);
        for (String[] bad : new String[][] {
            {"{\"ids\":[" + id + "]}", "action"},
            {"{\"action\":\"delete\",\"ids\":[" + id + "]}", "action"},
            {"{\"action\":7,\"ids\":[" + id + "]}", "action"},
            {"{\"action\":\"cancel\"}", "ids"},
            {"{\"action\":\"cancel\",\"ids\":[]}", "ids"},
            {"{\"action\":\"cancel\",\"ids\":" + id + "}", "ids"},
            {"{\"action\":\"cancel\",\"ids\":" + thousandAndOne + "}", "ids"},
            {"{\"action\":\"cancel\",\"ids\":[" + id + "," + id + "," + id + ",\"nope\"]}", "ids[3]"},
            {"{\"action\":\"cancel\",\"ids\":[" + id + ",42]}", "ids[1]"},
            {"{\"action\":\"cancel\",\"ids\":[" + id + "],\"filter\":{}}", "filter"},
            {"{\"action\":\"cancel\",\"filter\":[]}", "filter"},
            {"{\"action\":\"cancel\",\"filter\":{\"status\":\"DONE\"}}", "filter.status"},
            {"{\"action\":\"cancel\",\"filter\":{\"queue\":\"No Such!\"}}", "filter.queue"},
            {"{\"action\":\"cancel\",\"filter\":{\"type\":\"../x\"}}", "filter.type"},
            {"{\"action\":\"cancel\",\"filter\":{\"q\":\"xyz\"}}", "filter.q"},
            {"{\"action\":\"cancel\",\"filter\":{\"colour\":\"red\"}}", "filter.colour"},
            {"{\"action\":\"cancel\",\"ids\":[" + id + "],\"force\":true}", "force"},
            {"[" + id + "]", "body"}
        }) {
            given().header("Authorization", "Bearer " + key)
                    .contentType("application/json")
                    .body(bad[0])
                    .when()
                    .post("/api/jobs/bulk")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", endsWith("/invalid-bulk-request"))
                    .body("errors.field", hasItem(bad[1]));
        }
        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("{\"action\":\"cancel\",\"ids\":[" + id)
                .post("/api/jobs/bulk")
                .then()
                .statusCode(400)
                .body("type", endsWith("/malformed-json"));
        given().header("Authorization", "Bearer " + key)
                .contentType("text/plain")
                .body("{\"action\":\"cancel\",\"ids\":[" + id + "]}")
                .post("/api/jobs/bulk")
                .then()
                .statusCode(415);
        given().contentType("application/json")
                .body("{\"action\":\"cancel\",\"ids\":[" + id + "]}")
                .post("/api/jobs/bulk")
                .then()
                .statusCode(401);

        assertThat(row(queued)).isEqualTo(new Row("QUEUED", false));
    }

    private static JsonPath bulk(String key, String body) {
        return given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(body)
                .when()
                .post("/api/jobs/bulk")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static Map<UUID, String> unchanged(JsonPath answer) {
        Map<UUID, String> unchanged = new HashMap<>();
        for (Map<String, String> u : answer.<Map<String, String>>getList("unchanged")) {
            unchanged.put(UUID.fromString(u.get("id")), u.get("status"));
        }
        return unchanged;
    }

    private static String json(UUID... ids) {
        List<String> quoted = new ArrayList<>();
        for (UUID id : ids) {
            quoted.add("\"" + id + "\"");
        }
        return "[" + String.join(",", quoted) + "]";
    }

    record Row(String status, boolean cancelRequested) {}

    private static Row row(UUID id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT status, cancel_requested FROM job WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new Row(rs.getString(1), rs.getBoolean(2));
            }
        }
    }

    /** How many of the jobs are in each status. */
    private static Map<String, Long> statuses(List<UUID> ids) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT status, count(*) FROM job WHERE id = ANY(?) GROUP BY status")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            Map<String, Long> counts = new HashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            return counts;
        }
    }

    /** A job in {@code status}, never dispatched. */
    private static UUID aJob(String tenant, String queue, String status) throws Exception {
        return someJobs(tenant, queue, status, 1).get(0);
    }

    /** {@code n} jobs in {@code status}, created within a few seconds of each other (many in the same one). */
    private static List<UUID> someJobs(String tenant, String queue, String status, int n) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "INSERT INTO job (id, tenant, type, queue, status, input, max_attempts, timeout_seconds,"
                                + " created_at, lease_token, lease_owner, lease_expires_at,"
                                + " error_code, finished_at)"
                                + " SELECT gen_random_uuid(), ?, 'noop', ?, ?, '{}'::jsonb, 3, 30,"
                                + " timestamptz '2026-01-01 00:00:00+00' + (i % 7) * interval '1 second',"
                                + " CASE WHEN ? = 'RUNNING' THEN gen_random_uuid() END,"
                                + " CASE WHEN ? = 'RUNNING' THEN 'w' END,"
                                + " CASE WHEN ? = 'RUNNING' THEN now() + interval '1 hour' END,"
                                + " CASE WHEN ? IN ('FAILED', 'CANCELLED') THEN 'JOB_ERROR' END,"
                                + " CASE WHEN ? IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN now() END"
                                + " FROM generate_series(1, ?) AS i RETURNING id")) {
            s.setString(1, tenant);
            s.setString(2, queue);
            for (int i = 3; i <= 8; i++) {
                s.setString(i, status);
            }
            s.setInt(9, n);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    private static String tenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "bulk test");
        }
    }
}
