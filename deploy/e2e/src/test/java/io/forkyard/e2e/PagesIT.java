package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The Jobs, Job, Dashboard and sign-in pages in headless Chromium on the shared running system
 * (web tier, worker, broker, PostgreSQL). Jobs that must stay put go to a queue no worker consumes
 * (a queue of the test's own, so other tests' jobs never show in its list). Each page is saved
 * under {@code target/screenshots/}.
 */
@ResourceLock(BrowserTests.SYSTEM)
@ExtendWith(BrowserTests.class)
class PagesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aPersonSignsInWithAKeyAndLandsOnTheJobs(BrowserSystem system, Browser browser) throws Exception {
        browser.open("/jobs?status=FAILED");
        assertThat(browser.driver().getCurrentUrl()).contains("/signin?next=");
        browser.screenshot("signin");

        WebElement key = browser.driver().findElement(By.id("apiKey"));
        key.sendKeys("fy_" + "x".repeat(43));
        key.submit();
        assertThat(browser.driver().findElement(By.id("signin-error")).getText())
                .isEqualTo("That API key is unknown or revoked.");

        key = browser.driver().findElement(By.id("apiKey"));
        key.sendKeys(system.apiKey());
        key.submit();
        browser.waitUpTo(WAIT).until(d -> d.getCurrentUrl().endsWith("/jobs?status=FAILED"));
        assertThat(new Select(browser.driver().findElement(By.id("f-status")))
                        .getFirstSelectedOption()
                        .getText())
                .isEqualTo("FAILED");
        assertThat(browser.driver().findElements(By.cssSelector("button")))
                .extracting(WebElement::getText)
                .contains("Sign out");
    }

    @Test
    void theListFiltersByTypeAndQueueAndPagesWithTheCursorInTheUrl(BrowserSystem system, Browser browser)
            throws Exception {
        String queue = aQueue(system);
        List<String> noops = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            noops.add(0, system.api().submitOk(job("noop", queue, "{}")));
        }
        List<String> sleeps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sleeps.add(0, system.api().submitOk(job("sleep", queue, "{\"millis\": 1}")));
        }
        List<String> newestFirst = new ArrayList<>(sleeps);
        newestFirst.addAll(noops);
        system.signIn(browser);

        browser.open("/jobs?queue=" + queue + "&limit=2");
        assertThat(rowIds(browser)).containsExactlyElementsOf(newestFirst.subList(0, 2));
        browser.screenshot("jobs");
        click(browser, "page-next");
        assertThat(rowIds(browser)).containsExactlyElementsOf(newestFirst.subList(2, 4));
        assertThat(browser.driver().getCurrentUrl()).contains("cursor=");
        click(browser, "page-next");
        assertThat(rowIds(browser)).containsExactly(newestFirst.get(4));
        assertThat(browser.driver().findElement(By.id("page-next")).isDisplayed())
                .isFalse();
        browser.driver().navigate().refresh(); // the page is its URL: reloading shows the same jobs
        assertThat(rowIds(browser)).containsExactly(newestFirst.get(4));
        click(browser, "page-prev");
        assertThat(rowIds(browser)).containsExactlyElementsOf(newestFirst.subList(2, 4));
        click(browser, "page-prev");
        assertThat(rowIds(browser)).containsExactlyElementsOf(newestFirst.subList(0, 2));

        browser.open("/jobs");
        new Select(browser.driver().findElement(By.id("f-type"))).selectByValue("sleep");
        browser.driver().findElement(By.id("f-queue")).sendKeys(queue);
        browser.driver().findElement(By.id("f-queue")).submit();
        browser.waitUpTo(WAIT).until(d -> d.getCurrentUrl().contains("type=sleep"));
        assertThat(rowIds(browser)).containsExactlyElementsOf(sleeps);

        browser.open("/jobs?queue=" + queue + "&q=" + noops.get(1).substring(0, 13));
        assertThat(rowIds(browser)).containsExactly(noops.get(1));
    }

    @Test
    void aNewJobAppearsInTheListWithoutReload(BrowserSystem system, Browser browser) throws Exception {
        String queue = aQueue(system);
        system.signIn(browser);
        browser.open("/jobs?queue=" + queue);
        awaitLive(browser);
        browser.script("window.notReloaded = true");

        String id = system.api().submitOk(job("noop", queue, "{}"));

        browser.waitUpTo(WAIT).until(d -> rowIdsNow(browser).contains(id));
        assertThat(browser.script("return window.notReloaded === true")).isEqualTo(true);
    }

    @Test
    void theJobPagesProgressBarMovesWithoutReloadUntilTheResultShows(BrowserSystem system, Browser browser)
            throws Exception {
        system.signIn(browser);
        String id = system.api()
                .submitOk("{\"type\": \"sha256\", \"input\": {\"text\": \"forkyard\", \"rounds\": 100000000}}");
        browser.open("/jobs/" + id);
        browser.script("window.notReloaded = true");

        TreeSet<Long> seen = new TreeSet<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && !status(browser).equals("SUCCEEDED")) {
            Object value = browser.script("return document.querySelector('#progress progress').value");
            if (status(browser).equals("RUNNING") && value instanceof Number n) {
                seen.add(n.longValue());
            }
            Thread.sleep(100);
        }

        assertThat(status(browser)).isEqualTo("SUCCEEDED");
        assertThat(seen.subSet(1L, 100L))
                .as("progress values seen while RUNNING: %s", seen)
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(browser.script("return window.notReloaded === true")).isEqualTo(true);
        JsonNode job = system.api().get(id).body();
        browser.waitUpTo(WAIT)
                .until(d -> !d.findElements(By.id("result-digest")).isEmpty());
        assertThat(browser.driver().findElement(By.id("result-digest")).getText())
                .isEqualTo(job.path("result").path("hex").asText());
        browser.waitUpTo(WAIT)
                .until(d -> !d.findElements(By.cssSelector("#attempt-list li")).isEmpty());
        assertThat(browser.driver().findElement(By.id("attempt-list")).getText())
                .contains("SUCCEEDED");
        browser.screenshot("job-succeeded");
    }

    @Test
    void aRunningJobIsCancelledAndRetriedFromItsPage(BrowserSystem system, Browser browser) throws Exception {
        system.signIn(browser);
        String id = system.api().submitOk("{\"type\": \"sleep\", \"input\": {\"millis\": 600000}}");
        browser.open("/jobs/" + id);
        browser.waitUpTo(WAIT).until(d -> status(browser).equals("RUNNING"));

        browser.driver().findElement(By.cssSelector("#cancel-form button")).click();
        browser.waitUpTo(WAIT).until(d -> status(browser).equals("CANCELLED"));
        assertThat(system.api().get(id).body().path("status").asText()).isEqualTo("CANCELLED");
        assertThat(browser.driver().findElement(By.id("retry-form")).isDisplayed())
                .isTrue();
        assertThat(browser.driver().findElement(By.id("cancel-form")).isDisplayed())
                .isFalse();
        browser.screenshot("job-cancelled");

        browser.driver().findElement(By.cssSelector("#retry-form button")).click();
        browser.waitUpTo(WAIT).until(d -> status(browser).equals("RUNNING"));
        assertThat(system.api().get(id).body().path("status").asText()).isIn("QUEUED", "RUNNING");
        browser.waitUpTo(WAIT)
                .until(d -> d.findElements(By.cssSelector("#attempt-list li")).size() >= 2);

        system.api().cancel(id);
        browser.waitUpTo(WAIT).until(d -> status(browser).equals("CANCELLED"));
    }

    @Test
    void aFailedJobShowsItsErrorCodeAndMessage(BrowserSystem system, Browser browser) throws Exception {
        system.signIn(browser);
        String id = system.api().submitOk("{\"type\": \"csv-stats\", \"input\": {\"csv\": \"a,b\\n1,2,3\\n\"}}");
        system.api().awaitFinal(id, WAIT);
        browser.open("/jobs/" + id);

        browser.waitUpTo(WAIT).until(d -> d.findElement(By.id("error")).isDisplayed());
        assertThat(browser.driver().findElement(By.id("error-code")).getText()).isEqualTo("INVALID_INPUT");
        assertThat(browser.driver().findElement(By.id("error-message")).getText())
                .isNotBlank();
        browser.screenshot("job-failed");
    }

    @Test
    void bulkRetryOfEverythingMatchingTheFilterAsksFirstAndSaysWhatItDid(BrowserSystem system, Browser browser)
            throws Exception {
        String queue = aQueue(system);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = system.api().submitOk(job("noop", queue, "{}"));
            system.api().cancel(id);
            ids.add(id);
        }
        String untouched = system.api().submitOk(job("noop", queue, "{}"));
        system.signIn(browser);
        browser.open("/jobs?queue=" + queue + "&status=CANCELLED");
        assertThat(rowIds(browser)).containsExactlyInAnyOrderElementsOf(ids);

        browser.driver()
                .findElement(By.cssSelector("button[data-action=retry][data-scope=filter]"))
                .click();
        WebElement dialog = browser.driver().findElement(By.id("confirm"));
        browser.waitUpTo(WAIT).until(d -> dialog.isDisplayed());
        assertThat(dialog.getText()).contains("status = CANCELLED").contains("queue = " + queue);
        browser.screenshot("jobs-bulk-confirm");
        browser.driver().findElement(By.id("confirm-ok")).click();

        browser.waitUpTo(WAIT)
                .until(d -> d.findElement(By.id("outcome")).getText().contains("3 of 3"));
        for (String id : ids) {
            assertThat(system.api().get(id).body().path("status").asText()).isEqualTo("QUEUED");
        }
        assertThat(system.api().get(untouched).body().path("status").asText()).isEqualTo("QUEUED");

        // the selected rows only, after saying no once
        browser.open("/jobs?queue=" + queue);
        rowIds(browser);
        browser.driver()
                .findElement(By.cssSelector("input.select[value='" + ids.get(0) + "']"))
                .click();
        browser.driver()
                .findElement(By.cssSelector("button[data-action=cancel][data-scope=ids]"))
                .click();
        browser.waitUpTo(WAIT).until(d -> d.findElement(By.id("confirm")).isDisplayed());
        assertThat(browser.driver().findElement(By.id("confirm")).getText()).contains("1 selected job");
        browser.driver()
                .findElement(By.cssSelector("#confirm button[value=cancel]"))
                .click();
        assertThat(system.api().get(ids.get(0)).body().path("status").asText()).isEqualTo("QUEUED");
        browser.driver()
                .findElement(By.cssSelector("button[data-action=cancel][data-scope=ids]"))
                .click();
        browser.waitUpTo(WAIT).until(d -> d.findElement(By.id("confirm")).isDisplayed());
        browser.driver().findElement(By.id("confirm-ok")).click();
        browser.waitUpTo(WAIT)
                .until(d -> d.findElement(By.id("outcome")).getText().contains("1 of 1"));
        assertThat(system.api().get(ids.get(0)).body().path("status").asText()).isEqualTo("CANCELLED");
        assertThat(system.api().get(ids.get(1)).body().path("status").asText()).isEqualTo("QUEUED");
    }

    @Test
    void anotherTenantsJobIdGivesTheNotFoundPage(BrowserSystem system, Browser browser) throws Exception {
        String theirs =
                system.api(system.newApiKey("other-" + UUID.randomUUID())).submitOk(job("noop", aQueue(system), "{}"));
        system.signIn(browser);

        browser.open("/jobs/" + theirs);

        assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
        assertThat(browser.driver().getPageSource()).doesNotContain("data-id=\"" + theirs);
        assertThat(fetchStatus(browser, "GET", "/jobs/" + theirs, null)).isEqualTo(404L);
        browser.screenshot("not-found");
    }

    @Test
    void aFormPostWithoutTheCsrfTokenIsRefused(BrowserSystem system, Browser browser) throws Exception {
        String id = system.api().submitOk(job("noop", aQueue(system), "{}"));
        system.signIn(browser);
        browser.open("/jobs/" + id);

        assertThat(fetchStatus(browser, "POST", "/jobs/" + id + "/cancel", "x=1"))
                .isEqualTo(403L);
        // the real form, its token removed, submitted without the page's script
        browser.script("document.querySelector('#cancel-form input[name=_csrf]').remove();"
                + " HTMLFormElement.prototype.submit.call(document.getElementById('cancel-form'));");
        browser.waitUpTo(WAIT)
                .until(d -> d.findElement(By.tagName("h1")).getText().equals("Refused"));
        assertThat(system.api().get(id).body().path("status").asText()).isEqualTo("QUEUED");
        browser.screenshot("refused");
    }

    @Test
    void theDashboardDrawsTheLastHourQueuesAndWorkers(BrowserSystem system, Browser browser) throws Exception {
        String id = system.api().submitOk("{\"type\": \"noop\", \"input\": {}}");
        system.api().awaitFinal(id, WAIT);
        system.signIn(browser);

        browser.open("/dashboard");

        browser.waitUpTo(WAIT)
                .until(d ->
                        !d.findElements(By.cssSelector("#throughput-chart svg")).isEmpty()
                                && !d.findElements(By.cssSelector("#worker-table tbody tr"))
                                        .isEmpty());
        assertThat(browser.driver().findElement(By.id("throughput-summary")).getText())
                .contains("succeeded");
        assertThat(browser.driver().findElements(By.cssSelector("#throughput-chart svg rect")))
                .isNotEmpty();
        assertThat(browser.driver().findElements(By.cssSelector("#latency-chart svg path")))
                .isNotEmpty();
        browser.screenshot("dashboard");
    }

    @Test
    void thePagesFitAPhonesScreenWithoutSidewaysScrolling(BrowserSystem system, Browser browser) throws Exception {
        String id = system.api()
                .submitOk("{\"type\": \"csv-stats\", \"input\": {\"csv\": \"city,temp\\nOslo,3\\nLima,19\\n\"}}");
        system.api().awaitFinal(id, WAIT);
        system.signIn(browser);
        browser.driver().manage().window().setSize(new Dimension(390, 844));

        for (String page : List.of("/jobs", "/jobs/" + id, "/dashboard")) {
            browser.open(page);
            browser.waitUpTo(WAIT).until(d -> "complete".equals(browser.script("return document.readyState")));
            Thread.sleep(1000); // the scripts fill the page
            Object overflow = browser.script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
            assertThat(((Number) overflow).longValue())
                    .as("sideways overflow of %s, px", page)
                    .isLessThanOrEqualTo(0L);
        }
        browser.open("/jobs/" + id);
        // the page re-renders the result when the job's state arrives: read it in one go, in the page
        browser.waitUpTo(WAIT).until(d -> {
            Object text = browser.script(
                    "const t = document.querySelector('#result-stats tbody'); return t ? t.textContent : ''");
            return String.valueOf(text).contains("city") && String.valueOf(text).contains("temp");
        });
        browser.screenshot("job-csv-stats-phone");
        browser.open("/jobs");
        rowIds(browser);
        browser.screenshot("jobs-phone");
    }

    private static String job(String type, String queue, String input) {
        return "{\"type\": \"" + type + "\", \"queue\": \"" + queue + "\", \"input\": " + input + "}";
    }

    /** A queue of the test's own that no worker consumes: its jobs stay where the test puts them. */
    private static String aQueue(BrowserSystem system) {
        return system.forkyard()
                .database
                .declareQueue("ui-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** Follows a paging link: waits until the browser is on the page it leads to. */
    private static void click(Browser browser, String id) {
        String before = browser.driver().getCurrentUrl();
        browser.driver().findElement(By.id(id)).click();
        browser.waitUpTo(WAIT).until(d -> !d.getCurrentUrl().equals(before));
    }

    private static void awaitLive(Browser browser) {
        browser.waitUpTo(WAIT)
                .until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
    }

    /** The ids of the listed jobs, once the list has loaded. */
    private static List<String> rowIds(Browser browser) {
        browser.waitUpTo(WAIT)
                .until(d -> Boolean.TRUE.equals(browser.script("const c = document.querySelector('#rows td.muted');"
                        + " return document.getElementById('rows') !== null"
                        + " && (c === null || c.textContent !== 'Loading…')")));
        return rowIdsNow(browser);
    }

    @SuppressWarnings("unchecked")
    private static List<String> rowIdsNow(Browser browser) {
        return (List<String>)
                browser.script("return [...document.querySelectorAll('#rows tr[data-id]')].map(r => r.dataset.id)");
    }

    private static String status(Browser browser) {
        return String.valueOf(browser.script("return document.getElementById('job').dataset.status"));
    }

    private static Object fetchStatus(Browser browser, String method, String path, String form) {
        return browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                const init = {method: arguments[0], credentials: 'same-origin', redirect: 'manual'};
                if (arguments[2] !== null) {
                  init.body = arguments[2];
                  init.headers = {'Content-Type': 'application/x-www-form-urlencoded'};
                }
                fetch(arguments[1], init).then(r => done(r.status)).catch(e => done(String(e)));
                """, method, path, form);
    }
}
