package io.forkyard.e2e;

import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The one running system every browser test of a run shares: a real broker, a database of its own,
 * the packaged web tier and one packaged worker, as {@link Forkyard} starts them. Starting it takes
 * most of a minute on a loaded machine, so it starts once, on first use, and stops when the test
 * run ends ({@link BrowserTests} keeps it in JUnit's root store, which closes it). Tests on it see
 * each other's jobs: each one finds its own by id, never by counting the whole list.
 *
 * <p>Authentication is on: a browser signs in through the sign-in page ({@link #signIn}) with the
 * key of tenant {@code e2e}, which {@link #api()} also uses; {@link #newApiKey} makes keys of other
 * tenants.
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
            // Authentication is on, as an operator runs it: browsers sign in with a key.
            forkyard.startWeb(Map.of("FORKYARD_WEB_SUBMIT_EXEC_PROGRAMS", "echo"));
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

    /** The job API over HTTP, as tenant {@code e2e} (the tenant {@link #signIn(Browser)} uses). */
    JobClient api() {
        return forkyard.client();
    }

    /** The API key of tenant {@code e2e}. */
    String apiKey() {
        return forkyard.apiKey();
    }

    /** A new API key of {@code tenant} (e.g. another tenant, to show it can't see this one's jobs). */
    String newApiKey(String tenant) throws Exception {
        return forkyard.newApiKey(tenant);
    }

    /** The job API as the holder of {@code apiKey}. */
    JobClient api(String apiKey) {
        return new JobClient(baseUrl(), apiKey);
    }

    /** Signs the browser in as tenant {@code e2e}, through the sign-in page. */
    Browser signIn(Browser browser) {
        return signIn(browser, apiKey());
    }

    /**
     * Signs the browser in with {@code apiKey} through the sign-in page, as a person would: opens
     * {@code /signin}, types the key, submits, and waits until the browser has left the page.
     */
    Browser signIn(Browser browser, String apiKey) {
        browser.open("/signin");
        WebElement key = browser.driver().findElement(By.name("apiKey"));
        key.clear();
        key.sendKeys(apiKey);
        key.submit();
        browser.waitUpTo(Duration.ofSeconds(30)).until(d -> {
            String url = d.getCurrentUrl();
            return url != null && !url.contains("/signin");
        });
        return browser;
    }

    /** The system's processes, broker and database, for tests that need more than the API. */
    Forkyard forkyard() {
        return forkyard;
    }

    /** A fresh Chromium (own profile, no cookies, not signed in) on this system; the caller closes it. */
    Browser newBrowser() throws Exception {
        return new Browser(baseUrl());
    }

    @Override
    public void close() throws Exception {
        forkyard.close();
    }
}
