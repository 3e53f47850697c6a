package io.forkyard.web.auth;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The web tier as deployed: authentication on. Checked keys are not cached (a revocation shows at
 * once), and a tenant may submit 10 jobs at once, then 2 per second.
 */
public class AuthOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "forkyard.web.auth.enabled", "true",
                "forkyard.web.auth.cache-ttl", "PT0S",
                "forkyard.web.rate-limit.jobs-per-second", "2",
                "forkyard.web.rate-limit.burst", "10");
    }
}
