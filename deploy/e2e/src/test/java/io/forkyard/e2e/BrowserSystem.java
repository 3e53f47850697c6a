package io.forkyard.e2e;

import java.util.Map;

/**
 * The one running system every browser test of a run shares: a real broker, a database of its own,
 * the packaged web tier and one packaged worker, as {@link Forkyard} starts them. Starting it takes
 * most of a minute on a loaded machine, so it starts once, on first use, and stops when the test
 * run ends ({@link BrowserTests} keeps it in JUnit's root store, which closes it). Tests on it see
 * each other's jobs: each one finds its own by id, never by counting the whole list.
 *
 * <p>The worker may run {@code exec} jobs of {@code /bin/echo} only, and the web tier's Submit page
 * offers that program; this is the operator's opt-in that the exec form needs.
 */
final class BrowserSystem implements AutoCloseable {

    /** Programs the worker allows for {@code exec}; the Submit page offers them by file name. */
    static final String EXEC_PROGRAM = "/bin/echo";

    private final Forkyard forkyard;

    private BrowserSystem(Forkyard forkyard) {
        this.forkyard = forkyard;
    }

    /** Starts broker, database, web tier and worker; stops what started if a later step fails. */
    static BrowserSystem start() throws Exception {
        Forkyard forkyard = new Forkyard();
        try {
            forkyard.startWeb(Map.of(
                    // Auth is off until the sign-in lands; then the harness makes a key per tenant.
                    "FORKYARD_WEB_AUTH_ENABLED", "false",
                    "FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", "echo"));
            forkyard.startWorker(2, Map.of("FORKYARD_WORKER_EXEC_ALLOWED_PROGRAMS", EXEC_PROGRAM));
            return new BrowserSystem(forkyard);
        } catch (Exception | Error e) {
            forkyard.close();
            throw e;
        }
    }

    /** Base URL of the web tier, e.g. {@code http://127.0.0.1:41234}. */
    String baseUrl() {
        return forkyard.web.baseUrl();
    }

    /** The job API over HTTP, as the tenant the browsers use, for checking what a page did. */
    JobClient api() {
        return forkyard.client();
    }

    /** The system's processes, broker and database, for tests that need more than the API. */
    Forkyard forkyard() {
        return forkyard;
    }

    /** A fresh Chromium (own profile, no cookies) pointed at this system; the caller closes it. */
    Browser newBrowser() throws Exception {
        return new Browser(baseUrl());
    }

    @Override
    public void close() throws Exception {
        forkyard.close();
    }
}
