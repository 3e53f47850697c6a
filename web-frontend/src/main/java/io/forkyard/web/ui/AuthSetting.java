package io.forkyard.web.ui;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Whether the pages ask people to sign in: {@code forkyard.web.auth.enabled}, the switch the
 * authentication filter obeys too (off in the web module's tests, where everything is the default
 * tenant).
 */
@ConfigMapping(prefix = "forkyard.web.auth")
public interface AuthSetting {

    /** Authentication on (the default): pages need a session, API calls a key or a session. */
    @WithDefault("true")
    boolean enabled();
}
