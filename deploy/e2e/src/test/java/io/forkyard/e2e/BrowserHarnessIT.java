package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openqa.selenium.Cookie;

/**
 * The browser harness itself: headless Chromium reaches the shared system's web tier, a job it
 * submits with {@code fetch} runs on the shared worker, and screenshots land under {@code
 * target/screenshots/}.
 */
@ResourceLock(BrowserTests.SYSTEM)
@ExtendWith(BrowserTests.class)
class BrowserHarnessIT {

    /** The system the first test of this class got; every later test must get the same one. */
    private static BrowserSystem seen;

    private static synchronized BrowserSystem sameAsEveryOtherTest(BrowserSystem system) {
        if (seen == null) {
            seen = system;
        }
        return seen;
    }

    @Test
    void aJobSubmittedFromThePageRunsOnTheSharedSystem(BrowserSystem system, Browser browser) throws Exception {
        assertThat(system).isSameAs(sameAsEveryOtherTest(system));
        browser.open("/q/health/ready");
        assertThat(browser.driver().getPageSource()).contains("UP");

        Object answer = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/api/jobs', {method: 'POST',
                    headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + arguments[0]},
                    body: JSON.stringify({type: 'sleep', input: {millis: 10}})})
                  .then(r => r.json().then(body => done({status: r.status, id: body.id})))
                  .catch(e => done({error: String(e)}));
                """, system.apiKey());
        assertThat(answer).isInstanceOf(Map.class);
        Map<?, ?> reply = (Map<?, ?>) answer;
        assertThat(reply.get("status")).as(reply.toString()).isEqualTo(202L);

        Object anonymous = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/api/jobs', {method: 'POST', headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify({type: 'noop', input: {}})}).then(r => done(r.status));
                """);
        assertThat(anonymous).as("a call without a key or session").isEqualTo(401L);

        JsonNode job = system.api().awaitFinal((String) reply.get("id"), Duration.ofSeconds(60));
        assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");

        Path shot = browser.screenshot("harness-health");
        assertThat(Files.size(shot)).isGreaterThan(0);
        assertThat(shot).hasParent(Browser.SCREENSHOTS);
    }

    @Test
    void everyBrowserTestOfTheRunSharesOneSystemButNotOneBrowser(BrowserSystem system, Browser browser)
            throws Exception {
        assertThat(system).isSameAs(sameAsEveryOtherTest(system));
        try (Browser other = system.newBrowser()) {
            browser.open("/q/health/live");
            other.open("/q/health/live");
            browser.driver().manage().addCookie(new Cookie("probe", "1"));
            assertThat(other.driver().manage().getCookieNamed("probe")).isNull();
        }
    }
}
