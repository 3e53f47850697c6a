package io.forkyard.web.auth;

import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Who makes the current request: its tenant. Every read and write of the API is scoped to {@link
 * #tenant()}; another tenant's job is a plain 404.
 */
@RequestScoped
public class Caller {

    @Inject
    WebConfig config;

    private String tenant;

    /** The caller's tenant. */
    public String tenant() {
        return tenant != null ? tenant : config.defaultTenant();
    }

    void authenticatedAs(String tenant) {
        this.tenant = tenant;
    }
}
