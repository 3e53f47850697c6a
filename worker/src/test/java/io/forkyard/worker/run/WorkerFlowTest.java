package io.forkyard.worker.run;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.forkyard.messaging.JobDispatch;
import io.forkyard.messaging.Json;
import io.forkyard.messaging.TopicAdmin;
import io.forkyard.messaging.Topics;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.Processes;
import io.forkyard.trace.TraceParent;
import io.forkyard.worker.intake.Intake;
import io.forkyard.worker.pool.ChildPool;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker against a real broker and database: records in, job rows out. */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class WorkerFlowTest {

    private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("forkyard.job.id");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("forkyard.job.attempt");

    private static KafkaProducer<String, byte[]> producer;

    @Inject
    ChildPool pool;

    @Inject
    Intake intake;

    @Inject
    InMemorySpanExporter spans;

    @BeforeAll
    static void connect() {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers());
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        // The worker makes its topics as its intake starts, maybe after this: make sure of it here.
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers()))) {
            new TopicAdmin(admin, 1).ensure(topic());
        }
    }

    @AfterAll
    static void disconnect() {
        producer.close();
    }

    /**
     * A worker makes its queues' topics before it subscribes: nobody has published to the urgent
     * topic here, yet it exists once the intake consumes. A consumer subscribed to a topic that does
     * not exist found it only through metadata retries and a new assignment once the web tier made
     * it, so the first job of a queue waited seconds; and every 30 s record lock that ran out in
     * issue 21's runs (QueueLimitsIT) was in a group subscribed to a topic that did not exist yet.
     */
    @Test
    void theWorkersQueueTopicsExistOnceItConsumes() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(intake::isConsuming);
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers()))) {
            String urgent = Topics.urgentQueue(ForkyardTestResource.topicPrefix(), "default");
            assertThat(admin.listTopics().names().get()).contains(topic(), urgent);
            assertThat(admin.describeTopics(List.of(urgent))
                            .allTopicNames()
                            .get()
                            .get(urgent)
                            .partitions())
                    .as("one partition, as the web tier would make it, not the broker's num.partitions (4 here)")
                    .hasSize(1);
        }
    }

    @Test
    void dispatchedSha256JobSucceedsWithTheRightDigest() throws Exception {
        UUID id = insertAndDispatch("sha256", "{\"text\":\"forkyard\",\"rounds\":1000}", 3, 60);

        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("SUCCEEDED");
        assertThat((String) row.get("result")).contains(sha256Chain("forkyard", 1000));
        assertThat(row.get("attempt")).isEqualTo(1);
        assertThat(row.get("lease_token")).isNull();
    }

    /**
     * The worker's part of a job's trace (README "Tracing"): claim, run and outcome spans, each the
     * child of the one before, the first a child of the publish span named by the record's header.
     */
    @Test
    void aTracedJobsClaimRunAndOutcomeContinueTheTraceFromItsRecord() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String publishSpan = "53995c3f42cd8ad8";
        UUID ok = insertAndDispatch(
                "sha256", "{\"text\":\"x\",\"rounds\":10}", 3, 60, "00-" + traceId + "-" + publishSpan + "-01");
        UUID bad = insertAndDispatch(
                "sha256", "{\"text\":\"x\",\"rounds\":0}", 3, 60, "00-" + traceId + "-" + publishSpan + "-01");
        UUID untraced = insertAndDispatch("sha256", "{\"text\":\"x\",\"rounds\":10}", 3, 60);
        awaitFinal(ok);
        awaitFinal(bad);
        awaitFinal(untraced);

        List<SpanData> good = await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(ok), list -> list.size() == 3);
        SpanData claim = good.get(0);
        SpanData run = good.get(1);
        SpanData outcome = good.get(2);
        assertThat(good).allMatch(s -> s.getTraceId().equals(traceId));
        assertThat(good).allMatch(s -> Long.valueOf(1).equals(s.getAttributes().get(ATTEMPT)));
        assertThat(claim.getName()).isEqualTo("claim " + topic());
        assertThat(claim.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(claim.getParentSpanId()).isEqualTo(publishSpan);
        assertThat(run.getName()).isEqualTo("run sha256");
        assertThat(run.getParentSpanId()).isEqualTo(claim.getSpanId());
        assertThat(run.getAttributes().get(AttributeKey.stringKey("forkyard.run.outcome")))
                .isEqualTo("SUCCEEDED");
        assertThat(outcome.getName()).isEqualTo("outcome sha256");
        assertThat(outcome.getParentSpanId()).isEqualTo(run.getSpanId());
        assertThat(outcome.getAttributes().get(AttributeKey.stringKey("forkyard.job.status")))
                .isEqualTo("SUCCEEDED");
        assertThat(outcome.getEndEpochNanos()).isGreaterThanOrEqualTo(run.getEndEpochNanos());

        List<SpanData> failed =
                await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(bad), list -> list.size() == 3);
        assertThat(failed.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.get(2).getAttributes().get(AttributeKey.stringKey("forkyard.outcome")))
                .isEqualTo("INVALID_INPUT");
        assertThat(failed.get(2).getAttributes().get(AttributeKey.stringKey("forkyard.job.status")))
                .isEqualTo("FAILED");

        assertThat(spansOf(untraced)).isEmpty();
    }

    /**
     * An envelope (DESIGN.md "Data flow" 2): one record carries several jobs; every one is claimed
     * and run, and one traced through the envelope's entry (not the record's header) continues its
     * own trace.
     */
    @Test
    void everyJobOfAnEnvelopeRunsAndContinuesItsOwnTrace() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String publishSpan = "0af7651916cd43dd";
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(insert("sha256", "{\"text\":\"envelope " + i + "\",\"rounds\":10}", 3, 60));
        }
        dispatch(new JobDispatch(
                jobs.get(0),
                "sha256",
                Instant.now(),
                List.of(
                        new JobDispatch.Enveloped(jobs.get(1), "00-" + traceId + "-" + publishSpan + "-01"),
                        new JobDispatch.Enveloped(jobs.get(2), null))));

        for (int i = 0; i < 3; i++) {
            Map<String, Object> row = awaitFinal(jobs.get(i));
            assertThat(row.get("status")).as("job %d of the envelope", i).isEqualTo("SUCCEEDED");
            assertThat((String) row.get("result")).contains(sha256Chain("envelope " + i, 10));
            assertThat(row.get("attempt")).isEqualTo(1);
        }
        List<SpanData> traced =
                await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(jobs.get(1)), list -> list.size() == 3);
        assertThat(traced).allMatch(span -> span.getTraceId().equals(traceId));
        assertThat(traced.get(0).getName()).isEqualTo("claim " + topic());
        assertThat(traced.get(0).getParentSpanId()).isEqualTo(publishSpan);
        assertThat(spansOf(jobs.get(0))).isEmpty();
        assertThat(spansOf(jobs.get(2))).isEmpty();
    }

    /**
     * A fetch claims no more jobs than it reserved room for (its fetch size, 16 here), whatever its
     * records carry: of an envelope larger than that (a relay's envelope-size above this worker's
     * fetch), what fits is claimed and the rest goes back to the outbox for the relay to publish
     * again, while its record is accepted: the broker's delivery count is not spent on them.
     */
    @Test
    void jobsOfAnEnvelopeBeyondTheFetchsRoomGoBackToTheOutbox() throws Exception {
        double turnedAwayBefore = metric("forkyard_worker_jobs_turned_away_total");
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(insert("noop", "{}", 1, 60));
        }
        List<JobDispatch.Enveloped> more = jobs.subList(1, jobs.size()).stream()
                .map(id -> new JobDispatch.Enveloped(id, null))
                .toList();
        dispatch(new JobDispatch(jobs.get(0), "noop", Instant.now(), more));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> metric("forkyard_worker_jobs_turned_away_total") - turnedAwayBefore == 4);
        for (UUID id : jobs.subList(0, 16)) {
            assertThat(awaitFinal(id).get("status")).isEqualTo("SUCCEEDED");
        }
        for (UUID id : jobs.subList(16, 20)) {
            Map<String, Object> row = row(id);
            assertThat(row.get("status")).as("a job the fetch had no room for").isEqualTo("QUEUED");
            assertThat(row.get("attempt")).isEqualTo(0);
            assertThat(ForkyardTestResource.database()
                            .strings("SELECT job_id::text FROM job_outbox WHERE job_id = ?", id))
                    .as("back in the outbox")
                    .containsExactly(id.toString());
        }
        // What the relay then does (the worker tests run none): publish them again, and they run.
        for (UUID id : jobs.subList(16, 20)) {
            ForkyardTestResource.database().update("DELETE FROM job_outbox WHERE job_id = ?", id);
            dispatch(new JobDispatch(id, "noop", Instant.now()));
        }
        for (UUID id : jobs.subList(16, 20)) {
            assertThat(awaitFinal(id).get("status")).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void externalJobTypeRunsInItsPythonChild() throws Exception {
        UUID id = insertAndDispatch("word-count", "{\"text\":\"three little words\\nand more\"}", 1, 30);

        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("SUCCEEDED");
        assertThat(Json.MAPPER.readTree((String) row.get("result")))
                .isEqualTo(Json.MAPPER.readTree("{\"lines\":2,\"words\":5,\"characters\":27}"));
    }

    @Test
    void invalidInputFailsOnceWithoutRetry() throws Exception {
        UUID id = insertAndDispatch("sha256", "{\"text\":\"x\",\"rounds\":0}", 3, 60);

        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("FAILED");
        assertThat(row.get("error_code")).isEqualTo("INVALID_INPUT");
        assertThat(row.get("attempt")).isEqualTo(1);
    }

    @Test
    void jobPastItsTimeoutFailsWithTimeoutAndThePoolIsBackToFullStrength() throws Exception {
        UUID id = insertAndDispatch("sha256", "{\"text\":\"x\",\"rounds\":100000000}", 1, 1);

        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("FAILED");
        assertThat(row.get("error_code")).isEqualTo("TIMEOUT");
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == pool.size());
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        assertThat(metrics())
                .contains("forkyard_pool_slots{state=\"idle\"}")
                .contains("forkyard_job_duration_seconds_count{outcome=\"TIMEOUT\",type=\"sha256\"}")
                .containsPattern("forkyard_child_restarts_total\\{reason=\"timeout\"\\} [1-9]");
    }

    /** An I/O job (a 60 s sleep on a thread of the worker) is interrupted: it ends CANCELLED, not SUCCEEDED. */
    @Test
    void cancellingARunningIoJobStopsItAndEndsItCancelled() throws Exception {
        UUID id = insertAndDispatch("sleep", "{\"millis\":60000}", 1, 120);
        await().atMost(Duration.ofSeconds(20)).until(() -> "RUNNING".equals(row(id).get("status")));

        ForkyardTestResource.database().update("UPDATE job SET cancel_requested = true WHERE id = ?", id);
        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("CANCELLED");
        assertThat(row.get("error_code")).isEqualTo("CANCELLED");
        assertThat(row.get("result")).isNull();
        assertThat(attemptOutcomes(id)).containsExactly("CANCELLED");
    }

    /**
     * The job's program (a {@code sleep} with seconds no other process uses) is the child's child:
     * the cancel must kill it with the child, and the job ends CANCELLED before the program would
     * have ended by itself.
     */
    @Test
    void cancellingARunningJobKillsItsProgramAndEndsItCancelled() throws Exception {
        String seconds = "50." + (100_000 + new java.util.Random().nextInt(900_000));
        UUID id = insertAndDispatch("exec", "{\"program\":\"sleep\",\"args\":[\"" + seconds + "\"]}", 1, 120);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !Processes.withMarker(seconds).isEmpty());
        List<ProcessHandle> program = Processes.withMarker(seconds);
        assertThat(row(id).get("status")).isEqualTo("RUNNING");

        ForkyardTestResource.database().update("UPDATE job SET cancel_requested = true WHERE id = ?", id);
        Map<String, Object> row = awaitFinal(id);

        assertThat(row.get("status")).isEqualTo("CANCELLED");
        assertThat(row.get("error_code")).isEqualTo("CANCELLED");
        assertThat(row.get("error_message")).isEqualTo("cancelled while running");
        assertThat(row.get("result")).isNull();
        assertThat(attemptOutcomes(id)).containsExactly("CANCELLED");
        await().atMost(Duration.ofSeconds(30)).until(() -> program.stream().noneMatch(ProcessHandle::isAlive));
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == pool.size());
    }

    /**
     * With a 3 s record lock, a job that runs for 8 s is never redelivered: its record was
     * acknowledged as soon as the claim committed, and from then on the job's lease protects it. The
     * idle slot is never handed the record (that would count as skipped).
     */
    @Test
    void aJobThatOutlivesTheRecordLockIsNeverRedelivered() throws Exception {
        String group = Topics.workerShareGroup(ForkyardTestResource.topicPrefix());
        setRecordLock(group, "3000");
        try {
            double skippedBefore = metric("forkyard_worker_records_skipped_total");

            UUID id = insertAndDispatch("exec", "{\"program\":\"sleep\",\"args\":[\"8\"]}", 3, 60);
            Map<String, Object> row = awaitFinal(id);

            assertThat(row.get("status")).isEqualTo("SUCCEEDED");
            assertThat(row.get("attempt")).isEqualTo(1);
            assertThat(metric("forkyard_worker_records_skipped_total")).isEqualTo(skippedBefore);
        } finally {
            setRecordLock(group, null);
        }
    }

    /**
     * A worker without room stops fetching, but what its share consumers already asked the broker
     * for must not stay locked to them: Kafka 4.3's share consumer goes on fetching in the background
     * after a poll that brought nothing, until a fetch brings records, whether or not the application
     * polls again. Here both slots are busy and another worker (the test's own consumer of the share
     * group) is idle, so this worker has no room; a record published then reaches the idle worker
     * within seconds, not when the broker's 30 s record lock runs out.
     */
    @Test
    void recordsPublishedWhileTheWorkerHasNoRoomReachAnIdleWorkerWithoutWaitingForTheRecordLock() throws Exception {
        String sleep = "{\"program\":\"sleep\",\"args\":[\"120\"]}";
        List<UUID> busy = List.of(insertAndDispatch("exec", sleep, 1, 300), insertAndDispatch("exec", sleep, 1, 300));
        String peer = "idle-peer-" + UUID.randomUUID();
        List<UUID> late = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> busy.stream().allMatch(j -> uncheckedRow(j).get("started_at") != null));
            ForkyardTestResource.database()
                    .update(
                            "INSERT INTO worker (id, queues, slots, busy, buffered, heartbeat_at)"
                                    + " VALUES (?, ARRAY['default'], 1, 0, 0, now() + interval '1 hour')",
                            peer);
            // Two beats of this worker after the insert: from the first one on it knows the peer is idle.
            for (int beat = 0; beat < 2; beat++) {
                Instant since = databaseNow();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> lastBeatOfThisWorker(peer).isAfter(since));
            }
            for (int i = 0; i < 4; i++) {
                late.add(insertAndDispatch("sha256", "{\"text\":\"late\",\"rounds\":10}", 1, 60));
            }
            // The worker's fetch waits at the broker already, so a record it acquires is acquired at once.
            Thread.sleep(1_000);

            Map<String, Integer> deliveries = new HashMap<>();
            try (KafkaShareConsumer<String, byte[]> idleWorker = idleWorkerConsumer()) {
                idleWorker.subscribe(List.of(topic()));
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (deliveries.size() < late.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : idleWorker.poll(Duration.ofMillis(500))) {
                        deliveries.put(r.key(), (int) r.deliveryCount().orElse((short) 0));
                        idleWorker.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    idleWorker.commitSync();
                }
                assertThat(deliveries.keySet())
                        .as("the records reached the idle worker within 15 s (the record lock is 30 s)")
                        .containsAll(late.stream().map(UUID::toString).toList());
                // Each of the busy worker's two fetchers may have had a fetch waiting at the broker;
                // after handing the records on, neither fetches them again while the peer is idle. (It
                // took 4 or 5 deliveries before, one short of the broker's limit of 5, after which
                // the record is archived and the job waits for the relay's redispatch.)
                assertThat(deliveries.values())
                        .as("deliveries of each record, the idle worker's included")
                        .allMatch(d -> d <= 3);
            }
            for (UUID id : late) {
                assertThat(row(id).get("status"))
                        .as("the busy worker did not claim it")
                        .isEqualTo("QUEUED");
            }
        } finally {
            ForkyardTestResource.database().update("DELETE FROM worker WHERE id = ?", peer);
            for (UUID id : busy) {
                ForkyardTestResource.database().update("UPDATE job SET cancel_requested = true WHERE id = ?", id);
            }
            for (UUID id : late) {
                ForkyardTestResource.database()
                        .update("UPDATE job SET status = 'CANCELLED', finished_at = now() WHERE id = ?", id);
            }
            for (UUID id : busy) {
                awaitFinal(id);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.alive() == pool.size());
        }
    }

    /** A consumer of the workers' share group, as another worker's intake would be. */
    private static KafkaShareConsumer<String, byte[]> idleWorkerConsumer() {
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.workerShareGroup(ForkyardTestResource.topicPrefix()));
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** When the worker under test (the one heartbeat row that is not {@code peer}) last beat. */
    private static Instant lastBeatOfThisWorker(String peer) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT max(heartbeat_at) FROM worker WHERE id <> ?")) {
            s.setString(1, peer);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private static Instant databaseNow() throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT now()");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /**
     * A job whose type's children can't start is not taken: its record goes back to the broker, the
     * job stays QUEUED with no attempt spent, and a worker that can run it will.
     */
    @Test
    void aJobWhoseChildrenCannotStartIsNotTakenAndStaysQueued() throws Exception {
        double releasedBefore = metric("forkyard_worker_records_released_total");

        UUID id = insertAndDispatch("never-starts", "{}", 1, 30);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> metric("forkyard_worker_records_released_total") > releasedBefore);
        Map<String, Object> row = row(id);
        assertThat(row.get("status")).isEqualTo("QUEUED");
        assertThat(row.get("attempt")).isEqualTo(0);
        assertThat(attemptCount(id)).isZero();
        ForkyardTestResource.database()
                .update("UPDATE job SET status = 'CANCELLED', finished_at = now() WHERE id = ?", id);
    }

    /** A cancel reaches a job waiting in the prefetch buffer: it never starts. */
    @Test
    void aCancelledJobWaitingInThePrefetchBufferNeverStarts() throws Exception {
        String sleep = "{\"program\":\"sleep\",\"args\":[\"4\"]}";
        List<UUID> busy = List.of(insertAndDispatch("exec", sleep, 1, 60), insertAndDispatch("exec", sleep, 1, 60));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> busy.stream()
                        .allMatch(j -> "RUNNING".equals(uncheckedRow(j).get("status"))));
        UUID waiting = insertAndDispatch("sha256", "{\"text\":\"x\",\"rounds\":10}", 1, 60);
        // claimed (RUNNING under its lease) but not started: both slots are busy
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "RUNNING".equals(uncheckedRow(waiting).get("status")));
        assertThat(row(waiting).get("started_at")).isNull();

        ForkyardTestResource.database().update("UPDATE job SET cancel_requested = true WHERE id = ?", waiting);
        Map<String, Object> row = awaitFinal(waiting);

        assertThat(row.get("status")).isEqualTo("CANCELLED");
        assertThat(row.get("error_message")).isEqualTo("cancelled before it started");
        assertThat(row.get("started_at")).isNull();
        for (UUID id : busy) {
            assertThat(awaitFinal(id).get("status")).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void recordThatIsNotADispatchGoesToTheDeadLetterOutboxAndDoesNotStopTheConsumer() throws Exception {
        String key = "garbage-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(topic(), key, "not json\u0000".getBytes(StandardCharsets.UTF_8)))
                .get();
        UUID id = insertAndDispatch("noop", "{}", 1, 30);

        assertThat(awaitFinal(id).get("status")).isEqualTo("SUCCEEDED");
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT reason, source_topic, record_value, error_message FROM dead_letter WHERE record_key = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next())
                        .as("a dead letter for the unreadable record")
                        .isTrue();
                assertThat(rs.getString("reason")).isEqualTo("unreadable-record");
                assertThat(rs.getString("source_topic")).isEqualTo(topic());
                assertThat(rs.getBytes("record_value")).isEqualTo("not json\u0000".getBytes(StandardCharsets.UTF_8));
                assertThat(rs.getString("error_message")).isNotBlank();
                assertThat(rs.next())
                        .as("one dead letter, not one per delivery")
                        .isFalse();
            }
        }
    }

    /** Sets the group's share.record.lock.duration.ms, or removes it (back to the broker's 30 s). */
    private static void setRecordLock(String group, String millis) throws Exception {
        Properties props = new Properties();
        props.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ForkyardTestResource.broker().bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            ConfigEntry entry = new ConfigEntry("share.record.lock.duration.ms", millis == null ? "" : millis);
            AlterConfigOp op =
                    new AlterConfigOp(entry, millis == null ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(op)))
                    .all()
                    .get();
        }
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** A sample's value on /q/metrics; 0 when the meter has not been written yet. */
    private static double metric(String sample) {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1)))
                .findFirst()
                .orElse(0);
    }

    private static String topic() {
        return Topics.queue(ForkyardTestResource.topicPrefix(), "default");
    }

    /** The spans of a job, by start time: claim, run, outcome. */
    private List<SpanData> spansOf(UUID id) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> id.toString().equals(s.getAttributes().get(JOB_ID)))
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
                .toList();
    }

    private static UUID insertAndDispatch(String type, String input, int maxAttempts, int timeoutSeconds)
            throws Exception {
        return insertAndDispatch(type, input, maxAttempts, timeoutSeconds, null);
    }

    private static UUID insertAndDispatch(
            String type, String input, int maxAttempts, int timeoutSeconds, String traceParent) throws Exception {
        UUID id = insert(type, input, maxAttempts, timeoutSeconds);
        byte[] value = Json.toBytes(new JobDispatch(id, type, Instant.now()));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic(), id.toString(), value);
        if (traceParent != null) {
            record.headers().add(TraceParent.HEADER, traceParent.getBytes(StandardCharsets.US_ASCII));
        }
        producer.send(record).get();
        return id;
    }

    /** A QUEUED job of the default queue, as a submit writes it (the relay's outbox row left out). */
    private static UUID insert(String type, String input, int maxAttempts, int timeoutSeconds) throws Exception {
        UUID id = UUID.randomUUID();
        ForkyardTestResource.database()
                .update(
                        "INSERT INTO job (id, type, queue, status, input, max_attempts, timeout_seconds)"
                                + " VALUES (?, ?, 'default', 'QUEUED', ?::jsonb, ?, ?)",
                        id,
                        type,
                        input,
                        maxAttempts,
                        timeoutSeconds);
        ForkyardTestResource.database().update("DELETE FROM job_outbox WHERE job_id = ?", id);
        return id;
    }

    /** Publishes a record as the relay would, without a trace header. */
    private static void dispatch(JobDispatch dispatch) throws Exception {
        producer.send(new ProducerRecord<>(topic(), dispatch.jobId().toString(), Json.toBytes(dispatch)))
                .get();
    }

    private static Map<String, Object> awaitFinal(UUID id) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> row(id), r -> r.get("finished_at") != null);
    }

    private static Map<String, Object> row(UUID id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT status, result::text AS result, error_code, error_message, attempt, lease_token,"
                                + " started_at, finished_at FROM job WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Map<String, Object> row = new java.util.HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                return row;
            }
        }
    }

    private static Map<String, Object> uncheckedRow(UUID id) {
        try {
            return row(id);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> attemptOutcomes(UUID id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT outcome FROM job_attempt WHERE job_id = ? ORDER BY attempt")) {
            s.setObject(1, id);
            List<String> outcomes = new java.util.ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    outcomes.add(rs.getString(1));
                }
            }
            return outcomes;
        }
    }

    private static long attemptCount(UUID id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM job_attempt WHERE job_id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String sha256Chain(String text, int rounds) throws Exception {
        byte[] d = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < rounds; i++) {
            d = MessageDigest.getInstance("SHA-256").digest(d);
        }
        return HexFormat.of().formatHex(d);
    }
}
