package io.forkyard.e2e;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Submits {@code sha256} jobs the way a careful client does while things break: every job has its
 * own Idempotency-Key, and a submit whose answer was lost (connection reset, timeout, 503) is
 * repeated with the same key until the web tier gives a definite answer. Every 202 goes into the
 * ledger with the digest the job must produce.
 */
final class Submitter implements Runnable {

    private final JobClient client;
    private final Ledger ledger;
    private final int jobs;
    private final int rounds;
    private final Duration pause;
    private final String tag = UUID.randomUUID().toString().substring(0, 8);
    final AtomicInteger unavailableAnswers = new AtomicInteger();
    final AtomicInteger lostAnswers = new AtomicInteger();
    volatile Throwable failure;

    Submitter(JobClient client, Ledger ledger, int jobs, int rounds, Duration pause) {
        this.client = client;
        this.ledger = ledger;
        this.jobs = jobs;
        this.rounds = rounds;
        this.pause = pause;
    }

    Thread start() {
        Thread t = new Thread(this, "submitter");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void run() {
        try {
            for (int i = 0; i < jobs; i++) {
                String text = "job-" + tag + "-" + i;
                submitUntilAnswered(text, tag + "-" + i);
                Thread.sleep(pause.toMillis());
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void submitUntilAnswered(String text, String key) throws Exception {
        String body = "{\"type\":\"sha256\",\"input\":{\"text\":\"" + text + "\",\"rounds\":" + rounds
                + "},\"maxAttempts\":10}";
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JobClient.Reply reply = client.submit(body, key);
                if (reply.status() == 202) {
                    ledger.accepted(reply.body().get("id").asText(), digest(text, rounds));
                    return;
                }
                if (reply.status() != 503) {
                    throw new AssertionError("submit answered " + reply.status() + ": " + reply.body());
                }
                unavailableAnswers.incrementAndGet();
            } catch (java.io.IOException connectionRefusedResetOrTimedOut) {
                lostAnswers.incrementAndGet();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no definite answer for " + key + " within 3 minutes");
    }

    static String digest(String text, int rounds) throws Exception {
        byte[] d = text.getBytes(StandardCharsets.UTF_8);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < rounds; i++) {
            d = sha256.digest(d);
        }
        return HexFormat.of().formatHex(d);
    }
}
