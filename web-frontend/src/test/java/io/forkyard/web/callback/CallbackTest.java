package io.forkyard.web.callback;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.forkyard.messaging.Json;
import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Completion callbacks (README "Callbacks") against a local HTTP receiver that fails the first two
 * deliveries of each callback: the third arrives, signed with the tenant's secret over its
 * timestamp and body, with the finished job's (or batch's) view, after backed-off retries. No
 * worker runs: jobs are finished directly in the database. A URL whose host the operator did not
 * allow is refused at the submit, and nothing is written.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class CallbackTest {

    /** One request the receiver got. */
    record Received(Instant at, String delivery, String event, String timestamp, String signature, byte[] body) {}

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void listen() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(
                    Instant.now(),
                    exchange.getRequestHeaders().getFirst("Forkyard-Delivery"),
                    exchange.getRequestHeaders().getFirst("Forkyard-Event"),
                    exchange.getRequestHeaders().getFirst("Forkyard-Timestamp"),
                    exchange.getRequestHeaders().getFirst("Forkyard-Signature"),
                    body));
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.createContext("/slow", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(4_000); // a receiver that takes its time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        receiver.start();
    }

    @AfterEach
    void close() {
        receiver.stop(0);
    }

    @Test
    void aFinishedJobsCallbackArrivesSignedOnTheThirdTry() throws Exception {
        failuresLeft.set(2);
        String id = given().contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"callbackUrl\":\"" + hook() + "\"}")
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(received::isEmpty);

        finish(id, "SUCCEEDED");

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 3);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> received.size() == 3);
        Received last = received.get(2);
        assertThat(received).extracting(Received::delivery).containsOnly(last.delivery());
        assertThat(Duration.between(received.get(0).at(), received.get(1).at()))
                .as("the first retry waits the backoff base")
                .isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(Duration.between(received.get(1).at(), received.get(2).at()))
                .as("the second retry waits twice as long")
                .isGreaterThanOrEqualTo(Duration.ofMillis(350));
        assertThat(last.event()).isEqualTo("job.finished");
        assertSigned(last);
        JsonNode body = Json.MAPPER.readTree(last.body());
        assertThat(body.path("event").asText()).isEqualTo("job.finished");
        assertThat(body.path("job").path("id").asText()).isEqualTo(id);
        assertThat(body.path("job").path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(last.timestamp())))
                .isLessThan(60);
        assertThat(ForkyardTestResource.database()
                        .update(
                                "UPDATE callback SET attempts = attempts WHERE subject = ?::uuid AND delivered_at"
                                        + " IS NOT NULL AND attempts = 3 AND last_status = 204",
                                id))
                .isEqualTo(1);
    }

    @Test
    void aReceiverThatTakesItsTimeDelaysNoOtherCallback() throws Exception {
        failuresLeft.set(0);
        String slow = given().contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"callbackUrl\":\"" + hook().replace("/hook", "/slow") + "\"}")
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        String fast = given().contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"callbackUrl\":\"" + hook() + "\"}")
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        finish(slow, "SUCCEEDED");
        Thread.sleep(300); // the slow one's callback is queued, and due, first
        Instant finished = Instant.now();
        finish(fast, "SUCCEEDED");

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(Json.MAPPER
                        .readTree(received.get(0).body())
                        .path("job")
                        .path("id")
                        .asText())
                .isEqualTo(fast);
        assertThat(Duration.between(finished, received.get(0).at()))
                .as("the fast receiver's callback did not wait for the slow one's answer")
                .isLessThan(Duration.ofMillis(2_500));
    }

    @Test
    void aBatchCallsBackOnceWhenItsLastJobFinishes() throws Exception {
        failuresLeft.set(0);
        List<String> ids = given().contentType("application/json")
                .body("{\"callbackUrl\":\"" + hook() + "\",\"jobs\":[{\"type\":\"noop\",\"input\":{}},"
                        + "{\"type\":\"noop\",\"input\":{}}]}")
                .post("/api/jobs/batch")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("id");
        finish(ids.get(0), "SUCCEEDED");
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(received::isEmpty);

        finish(ids.get(1), "FAILED");
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> received.size() == 1);
        Received call = received.get(0);
        assertThat(call.event()).isEqualTo("batch.finished");
        assertSigned(call);
        JsonNode batch = Json.MAPPER.readTree(call.body()).path("batch");
        assertThat(batch.path("finished").asBoolean()).isTrue();
        assertThat(batch.path("counts").path("SUCCEEDED").asInt()).isEqualTo(1);
        assertThat(batch.path("counts").path("FAILED").asInt()).isEqualTo(1);
    }

    @Test
    void aCallbackToAHostTheOperatorDidNotAllowIsRefusedAndNothingIsWritten() throws Exception {
        long before = jobs();
        given().contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"callbackUrl\":\"http://169.254.169.254/latest/meta-data\"}")
                .post("/api/jobs")
                .then()
                .statusCode(422)
                .body("errors.field", equalTo(List.of("callbackUrl")));
        given().contentType("application/json")
                .body("{\"callbackUrl\":\"ftp://127.0.0.1/x\",\"jobs\":[{\"type\":\"noop\",\"input\":{}}]}")
                .post("/api/jobs/batch")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("callbackUrl"));
        assertThat(jobs()).isEqualTo(before);
    }

    private void assertSigned(Received call) {
        byte[] secret = HexFormat.of()
                .parseHex(given().get("/api/callbacks/secret")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("secret"));
        assertThat(call.signature()).isEqualTo("v1=" + CallbackRelay.sign(secret, call.timestamp(), call.body()));
        assertThat(call.signature())
                .as("another secret signs otherwise")
                .isNotEqualTo("v1=" + CallbackRelay.sign(new byte[32], call.timestamp(), call.body()));
    }

    private String hook() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private static void finish(String id, String status) throws Exception {
        ForkyardTestResource.database()
                .update("UPDATE job SET status = ?, finished_at = now() WHERE id = ?", status, UUID.fromString(id));
    }

    private static long jobs() throws Exception {
        try (var c = ForkyardTestResource.database().connect();
                var s = c.prepareStatement("SELECT count(*) FROM job");
                var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
