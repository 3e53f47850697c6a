package io.forkyard.web.auth;

import io.forkyard.web.WebConfig;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-tenant rate limit on submissions: a token bucket per tenant in this replica, {@code
 * forkyard.web.rate-limit.jobs-per-second} sustained with bursts of up to {@code burst} jobs. A
 * submission over the limit is refused whole with 429 and a {@code Retry-After} of the seconds
 * until it would fit; nothing is written.
 */
@ApplicationScoped
public class SubmissionLimiter {

    @Inject
    WebConfig config;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes {@code jobs} submissions from the tenant's bucket, or refuses them all (429). */
    public void take(String tenant, int jobs) {
        double rate = config.rateLimit().jobsPerSecond();
        if (rate <= 0) {
            return;
        }
        int burst = config.rateLimit().burst();
        Bucket bucket = buckets.computeIfAbsent(tenant, t -> new Bucket(burst, System.nanoTime()));
        double waitSeconds;
        synchronized (bucket) {
            long now = System.nanoTime();
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledAt) / 1e9 * rate);
            bucket.refilledAt = now;
            // A batch larger than the burst passes when the bucket is full, and empties it.
            double need = Math.min(jobs, burst);
            if (bucket.tokens >= need) {
                bucket.tokens -= need;
                return;
            }
            waitSeconds = (need - bucket.tokens) / rate;
        }
        long retryAfter = Math.max(1, (long) Math.ceil(waitSeconds));
        throw new ProblemException(
                Problem.of(
                        "rate-limited",
                        "Too many submissions",
                        429,
                        "tenant " + tenant + " may submit " + rate + " jobs per second (bursts of " + burst
                                + "); retry in " + retryAfter + " s"),
                retryAfter);
    }

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long refilledAt) {
            this.tokens = tokens;
            this.refilledAt = refilledAt;
        }
    }
}
