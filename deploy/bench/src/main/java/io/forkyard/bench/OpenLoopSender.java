package io.forkyard.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends {@code POST /api/jobs} on a fixed open-loop schedule: job i at t0 + i / rate, whether or
 * not earlier requests have been answered, as independent clients arriving at a steady rate would.
 * One thread keeps the schedule and hands each request to the asynchronous HttpClient (HTTP/1.1
 * keep-alive, one connection per request in flight), so a slow answer delays no later send; a send
 * that falls behind its slot is sent at once and the schedule does not shift. Records each job's
 * wall clock just before its request, for latency against the database's {@code finished_at}, and
 * how late each send was against its slot, so a reader can tell the client itself falling behind
 * from the system being slow.
 */
final class OpenLoopSender {

    /**
     * What was sent, per job in schedule order: its id ({@code null} if the request failed or was
     * not accepted), its wall clock just before the request, how late that was against its slot and
     * how long the answer took (nanoseconds); {@code span} is first slot to last send.
     */
    record Sends(
            List<UUID> ids,
            List<Instant> sentAt,
            long[] latenessNanos,
            long[] answerNanos,
            Duration span,
            long notAccepted,
            String firstError) {

        List<UUID> accepted() {
            return ids.stream().filter(Objects::nonNull).toList();
        }
    }

    private OpenLoopSender() {}

    static Sends send(JobApi api, List<ObjectNode> jobs, int ratePerSecond) throws Exception {
        int count = jobs.size();
        List<Instant> sentAt = new ArrayList<>(count);
        long[] lateness = new long[count];
        long[] answer = new long[count];
        List<CompletableFuture<UUID>> answers = new ArrayList<>(count);
        long t0 = System.nanoTime();
        long sent = t0;
        for (int i = 0; i < count; i++) {
            long slot = t0 + Math.round(i * 1e9 / ratePerSecond);
            for (long wait = slot - System.nanoTime(); wait > 0; wait = slot - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            sent = System.nanoTime();
            lateness[i] = sent - slot;
            sentAt.add(Instant.now());
            int index = i;
            long start = sent;
            answers.add(api.submitAsync(jobs.get(i))
                    .whenComplete((id, failure) -> answer[index] = System.nanoTime() - start));
        }
        Duration span = Duration.ofNanos(sent - t0);
        List<UUID> ids = new ArrayList<>(count);
        long notAccepted = 0;
        String firstError = null;
        for (CompletableFuture<UUID> pending : answers) {
            try {
                ids.add(pending.get());
            } catch (ExecutionException e) {
                ids.add(null);
                notAccepted++;
                if (firstError == null) {
                    firstError = String.valueOf(e.getCause());
                }
            }
        }
        return new Sends(ids, sentAt, lateness, answer, span, notAccepted, firstError);
    }
}
