package io.forkyard.web.callback;

import io.forkyard.db.Jdbc;
import io.forkyard.web.BackgroundLoop;
import io.forkyard.web.WebConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Delivers completion callbacks (README "Callbacks"). Every {@code callbacks.poll-interval} each web
 * replica's relay (1) queues a callback for each finished job that names one and for each batch with
 * a callback whose jobs have all finished, (2) takes the due callbacks ({@code FOR UPDATE SKIP
 * LOCKED}, then marked as being sent for twice the timeout, so replicas share them and a crashed
 * sender's callbacks come due again), and (3) POSTs each, signed: {@code Forkyard-Signature: v1=} the
 * hex HMAC-SHA256, under the tenant's secret, of {@code Forkyard-Timestamp + "." + body}. A 2xx
 * answer delivers it (callbacks are sent side by side, {@code callbacks.concurrency} at a time, so a
 * receiver that hangs delays no other); anything else is retried after {@code backoff-base} × 2^(attempt−1), up to
 * {@code max-attempts}. Delivery is at least once; {@code Forkyard-Delivery} (the callback's id)
 * tells repeats apart. Redirects are not followed.
 */
@ApplicationScoped
public class CallbackRelay {

    private static final Logger LOG = Logger.getLogger(CallbackRelay.class);
    private static final int ROUND = 50;
    private static final SecureRandom RANDOM = new SecureRandom();

    static final String QUEUE_JOBS = """
            WITH done AS (
                UPDATE job SET callback_queued = true
                 WHERE id IN (SELECT id FROM job
                               WHERE callback_url IS NOT NULL AND NOT callback_queued
                                 AND status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                               LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING id, tenant, callback_url)
            INSERT INTO callback (id, tenant, kind, subject, url)
            SELECT gen_random_uuid(), tenant, 'job', id, callback_url FROM done
            """;

    static final String QUEUE_BATCHES = """
            WITH done AS (
                UPDATE batch_callback SET queued_at = now()
                 WHERE batch_id IN (SELECT b.batch_id FROM batch_callback b
                                     WHERE b.queued_at IS NULL
                                       AND NOT EXISTS (SELECT 1 FROM job j WHERE j.batch_id = b.batch_id
                                                          AND j.status IN ('QUEUED', 'RUNNING'))
                                     LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING batch_id, tenant, url)
            INSERT INTO callback (id, tenant, kind, subject, url)
            SELECT gen_random_uuid(), tenant, 'batch', batch_id, url FROM done
            """;

    static final String TAKE = """
            UPDATE callback SET attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 millisecond'
             WHERE id IN (SELECT id FROM callback
                           WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                           ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING id, tenant, kind, subject, url, attempts
            """;

    static final String DELIVERED =
            "UPDATE callback SET delivered_at = now(), last_status = ?, last_error = NULL WHERE id = ?";

    static final String NOT_DELIVERED = """
            UPDATE callback SET last_status = ?, last_error = ?,
                   next_attempt_at = now() + ? * interval '1 millisecond',
                   failed_at = CASE WHEN ? THEN now() END
             WHERE id = ?
            """;

    static final String SECRET = """
            INSERT INTO tenant_secret (tenant, secret) VALUES (?, ?)
            ON CONFLICT (tenant) DO UPDATE SET tenant = excluded.tenant
            RETURNING secret
            """;

    /** One callback being sent. */
    record Due(UUID id, String tenant, String kind, UUID subject, String url, int attempt) {}

    @Inject
    DataSource dataSource;

    @Inject
    WebConfig config;

    @Inject
    CallbackTargets targets;

    @Inject
    CallbackPayloads payloads;

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final BackgroundLoop loop = new BackgroundLoop("forkyard-callbacks");

    /**
     * Sends callbacks side by side, so a receiver that hangs delays no other: a round takes no more
     * due callbacks than there are free senders, and does not wait for them.
     */
    private ExecutorService senders;

    private Semaphore sending;

    void start(@Observes StartupEvent event) {
        AtomicInteger n = new AtomicInteger();
        sending = new Semaphore(config.callbacks().concurrency());
        senders = Executors.newFixedThreadPool(config.callbacks().concurrency(), r -> {
            Thread t = new Thread(r, "forkyard-callback-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        loop.start(this::loop);
    }

    void stop(@Observes ShutdownEvent event) {
        loop.stop(config.callbacks().timeout().plusSeconds(5));
        if (senders != null) {
            senders.shutdownNow();
        }
    }

    private void loop() {
        while (loop.running()) {
            try {
                round();
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("callback round failed, will retry: %s", e.getMessage());
            }
            BackgroundLoop.sleep(config.callbacks().pollInterval().toNanos());
        }
    }

    /**
     * Queues the callbacks of what finished, then starts sending what is due, as many as there are
     * free senders; returns how many it started.
     */
    int round() throws SQLException {
        Jdbc.autoCommit(dataSource, c -> {
            update(c, QUEUE_JOBS, ROUND);
            return update(c, QUEUE_BATCHES, ROUND);
        });
        List<Due> due = Jdbc.autoCommit(dataSource, c -> {
            List<Due> taken = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(TAKE)) {
                s.setLong(1, config.callbacks().timeout().multipliedBy(2).toMillis());
                s.setInt(2, Math.min(ROUND, sending.availablePermits()));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        taken.add(new Due(
                                rs.getObject(1, UUID.class),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getObject(4, UUID.class),
                                rs.getString(5),
                                rs.getInt(6)));
                    }
                }
            }
            return taken;
        });
        for (Due callback : due) {
            sending.acquireUninterruptibly(); // taken no more than there were free senders
            senders.execute(() -> {
                try {
                    send(callback);
                } catch (SQLException | RuntimeException e) {
                    LOG.warnf(
                            "callback %s: recording its delivery failed, it comes due again: %s",
                            callback.id(), e.getMessage());
                } finally {
                    sending.release();
                }
            });
        }
        return due.size();
    }

    private void send(Due callback) throws SQLException {
        Optional<String> refused = targets.deliveryRefusal(callback.url());
        if (refused.isPresent()) {
            record(callback, null, refused.get(), true);
            return;
        }
        Optional<byte[]> body = payloads.body(callback.kind(), callback.subject(), callback.tenant());
        if (body.isEmpty()) {
            record(callback, null, "its " + callback.kind() + " no longer exists", true);
            return;
        }
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        HttpRequest request = HttpRequest.newBuilder(URI.create(callback.url()))
                .timeout(config.callbacks().timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Forkyard-Callbacks")
                .header("Forkyard-Event", callback.kind() + ".finished")
                .header("Forkyard-Delivery", callback.id().toString())
                .header("Forkyard-Timestamp", timestamp)
                .header("Forkyard-Signature", "v1=" + sign(secret(callback.tenant()), timestamp, body.get()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.get()))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                try (Connection c = dataSource.getConnection();
                        PreparedStatement s = c.prepareStatement(DELIVERED)) {
                    s.setInt(1, response.statusCode());
                    s.setObject(2, callback.id());
                    s.executeUpdate();
                }
            } else {
                record(callback, response.statusCode(), "answered " + response.statusCode(), false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            record(callback, null, e.getClass().getSimpleName() + ": " + e.getMessage(), false);
        }
    }

    /** A delivery that did not succeed: retried after the backoff, or given up ({@code final}, or out of attempts). */
    private void record(Due callback, Integer status, String error, boolean giveUp) throws SQLException {
        boolean last = giveUp || callback.attempt() >= config.callbacks().maxAttempts();
        long backoff = Math.min(
                config.callbacks().backoffCap().toMillis(),
                config.callbacks().backoffBase().toMillis() << Math.min(20, callback.attempt() - 1));
        if (last) {
            LOG.warnf(
                    "callback %s to %s given up after %d attempt(s): %s",
                    callback.id(), callback.url(), callback.attempt(), error);
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(NOT_DELIVERED)) {
            s.setObject(1, status);
            s.setString(2, Jdbc.fit(error, 1000));
            s.setLong(3, backoff);
            s.setBoolean(4, last);
            s.setObject(5, callback.id());
            s.executeUpdate();
        }
    }

    /** The tenant's signing secret, made on first use. */
    public byte[] secret(String tenant) throws SQLException {
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        return Jdbc.autoCommit(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(SECRET)) {
                s.setString(1, tenant);
                s.setBytes(2, fresh);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
    }

    /** The hex HMAC-SHA256 of {@code timestamp + "." + body} under {@code secret}. */
    public static String sign(byte[] secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static int update(Connection c, String sql, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setInt(1, limit);
            return s.executeUpdate();
        }
    }
}
