package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.forkyard.messaging.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Fault 6: a job whose child crashes every time (its program kills the child that runs it) ends
 * FAILED after exactly maxAttempts attempts and lands in the dead-letter topic, while jobs behind
 * it run normally.
 */
class CrashEveryTimeIT {

    @Test
    void jobThatCrashesItsChildEveryTimeFailsAfterItsAttemptsAndIsDeadLettered() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb(Map.of("FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", ParentKiller.java()));
            AppProcess worker = system.startWorker(
                    2,
                    Map.of(
                            "FORKYARD_WORKER_EXEC_ALLOWED_PROGRAMS", ParentKiller.java(),
                            "FORKYARD_WORKER_EXEC_ALLOW_OPTIONS", "true",
                            "FORKYARD_WORKER_BACKOFF_BASE", "PT0.2S"));
            JobClient client = system.client();
            Ledger ledger = new Ledger(system.database);

            String poison = client.submitOk("{\"type\":\"exec\",\"input\":{\"program\":\"" + ParentKiller.java()
                    + "\",\"args\":" + ParentKiller.argsJson() + "},\"maxAttempts\":3}");
            ledger.acceptedToFail(poison);
            List<String> behind = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String text = "behind-" + i;
                String id =
                        client.submitOk("{\"type\":\"sha256\",\"input\":{\"text\":\"" + text + "\",\"rounds\":1000}}");
                ledger.accepted(id, Submitter.digest(text, 1000));
                behind.add(id);
            }

            JsonNode failed = client.awaitFinal(poison, Duration.ofSeconds(60));
            assertThat(failed.get("status").asText()).isEqualTo("FAILED");
            assertThat(failed.at("/error/code").asText()).isEqualTo("CHILD_CRASHED");
            assertThat(failed.at("/error/message").asText()).contains("signal 9");
            assertThat(failed.get("attempt").asInt()).isEqualTo(3);
            assertThat(failed.get("maxAttempts").asInt()).isEqualTo(3);

            // The worker logs in production mode's JSON, and each line about the job names it and
            // its attempt in the MDC: one "failed with" line per attempt, attempts 1, 2 and 3.
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> aboutPoison = new ArrayList<>();
            for (String line : Files.readAllLines(worker.log())) {
                if (line.startsWith("{") && line.contains(poison)) {
                    aboutPoison.add(json.readTree(line));
                }
            }
            assertThat(aboutPoison).as("JSON lines about " + poison).isNotEmpty();
            assertThat(aboutPoison)
                    .allSatisfy(line -> assertThat(line.at("/mdc/jobId").asText())
                            .as(line.toString())
                            .isEqualTo(poison));
            assertThat(aboutPoison.stream()
                            .filter(line -> line.get("message").asText().contains("failed with CHILD_CRASHED"))
                            .map(line -> line.at("/mdc/attempt").asText()))
                    .containsExactlyInAnyOrder("1", "2", "3");

            Ledger.Report report = ledger.settle("crash-every-time", Duration.ofSeconds(60));
            ledger.assertAllSucceededOnce(report);
            assertThat(report.duplicateExecutions())
                    .as("the poison job's 2nd and 3rd attempts")
                    .isEqualTo(2);

            List<ConsumerRecord<String, byte[]>> deadLetters = deadLetters(system);
            assertThat(deadLetters).extracting(ConsumerRecord::key).containsExactly(poison);
            ConsumerRecord<String, byte[]> letter = deadLetters.get(0);
            assertThat(new String(letter.headers().lastHeader(DeadLetter.REASON).value(), StandardCharsets.UTF_8))
                    .isEqualTo(DeadLetter.JOB_FAILED);
            assertThat(new String(
                            letter.headers().lastHeader(DeadLetter.ERROR_CODE).value(), StandardCharsets.UTF_8))
                    .isEqualTo("CHILD_CRASHED");
        }
    }

    private static List<ConsumerRecord<String, byte[]>> deadLetters(Forkyard system) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(system.topicPrefix + "jobs.dead-letters"));
            Instant end = Instant.now().plusSeconds(10);
            while (Instant.now().isBefore(end) && records.isEmpty()) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
