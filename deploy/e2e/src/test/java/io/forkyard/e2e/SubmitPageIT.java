package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The Submit page in headless Chromium against the packaged system: each job type's form submits a
 * job that succeeds with the right result shown, files are read by the page's Web Workers (the
 * SHA-256 of a file, an image's thumbnail, a CSV's preview), and the API's problems appear next to
 * the inputs they name. Screenshots of each state go to {@code target/screenshots/submit-*.png}.
 */
@ResourceLock(BrowserTests.SYSTEM)
@ExtendWith(BrowserTests.class)
class SubmitPageIT {

    private static final Duration JOB = Duration.ofSeconds(90);
    private static final Path FILES = Path.of("target", "submit-files").toAbsolutePath();

    @Test
    void theBrowsersIncrementalSha256MatchesKnownVectorsAndJavasMessageDigest(BrowserSystem system, Browser browser)
            throws Exception {
        system.signIn(browser).open("/submit");
        byte[] random = new byte[300_001];
        new Random(7).nextBytes(random);
        Object answer = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                import('/static/workers/sha256.js').then(({Sha256, toHex, sha256Chain}) => {
                  const utf8 = (s) => new TextEncoder().encode(s);
                  const one = (bytes) => toHex(new Sha256().update(bytes).digest());
                  const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
                  // The same bytes fed in uneven pieces, across block boundaries.
                  const pieces = new Sha256();
                  const sizes = [1, 63, 64, 65, 127, 4096, 3];
                  for (let o = 0, i = 0; o < bytes.length; i++) {
                    const n = sizes[i % sizes.length];
                    pieces.update(bytes.subarray(o, o + n));
                    o += n;
                  }
                  done({
                    empty: one(new Uint8Array(0)),
                    abc: one(utf8('abc')),
                    twoBlocks: one(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
                    millionA: one(utf8('a'.repeat(1000000))),
                    random: one(bytes),
                    randomInPieces: toHex(pieces.digest()),
                    chain: toHex(sha256Chain(utf8('forkyard'), 5)),
                  });
                }).catch(e => done({error: String(e)}));
                """, Base64.getEncoder().encodeToString(random));
        Map<?, ?> digests = (Map<?, ?>) answer;
        assertThat(digests.get("error")).isNull();
        // FIPS 180-2 examples.
        assertThat(digests.get("empty")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(digests.get("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(digests.get("twoBlocks"))
                .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        assertThat(digests.get("millionA"))
                .isEqualTo("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        assertThat(digests.get("random")).isEqualTo(sha256Hex(random));
        assertThat(digests.get("randomInPieces")).isEqualTo(sha256Hex(random));
        assertThat(digests.get("chain")).isEqualTo(chainHex("forkyard".getBytes(StandardCharsets.UTF_8), 5));
    }

    @Test
    void aTextAndAFileHashedInTheBrowserMatchTheServersDigest(BrowserSystem system, Browser browser) throws Exception {
        system.signIn(browser).open("/submit?type=sha256");
        browser.screenshot("submit-sha256-form");

        String text = "Forkyard hashes this text, ünïcödé included";
        type(browser, "sha256-text", text);
        type(browser, "sha256-rounds", "3");
        submit(browser, "sha256");
        String textJob = awaitOutcome(browser, "sha256");
        WebElement mark = browser.waitUpTo(JOB).until(d -> d.findElement(By.cssSelector("#sha256-match[data-match]")));
        String expected = chainHex(text.getBytes(StandardCharsets.UTF_8), 3);
        assertThat(mark.getAttribute("data-match")).isEqualTo("true");
        assertThat(text(browser, "sha256-browser-digest")).isEqualTo(expected);
        assertThat(text(browser, "sha256-server-digest")).isEqualTo(expected);
        assertThat(system.api().get(textJob).body().at("/result/hex").asText()).isEqualTo(expected);

        byte[] bytes = new byte[200_000];
        new Random(11).nextBytes(bytes);
        Path file = write("random-200k.bin", bytes);
        browser.open("/submit?type=sha256");
        browser.driver()
                .findElement(By.cssSelector("#form-sha256 input[name=source][value=file]"))
                .click();
        browser.driver().findElement(By.id("sha256-file")).sendKeys(file.toString());
        WebElement local = browser.waitUpTo(JOB).until(d -> d.findElement(By.id("sha256-file-digest")));
        assertThat(local.getText()).isEqualTo(sha256Hex(bytes));
        assertThat(browser.script("return document.getElementById('sha256-progress').value"))
                .isEqualTo(100L);
        browser.screenshot("submit-sha256-file-hashed");
        submit(browser, "sha256");
        String fileJob = awaitOutcome(browser, "sha256");
        WebElement fileMark =
                browser.waitUpTo(JOB).until(d -> d.findElement(By.cssSelector("#sha256-match[data-match]")));
        assertThat(fileMark.getAttribute("data-match")).isEqualTo("true");
        assertThat(fileMark.getText()).contains("match");
        assertThat(text(browser, "sha256-browser-digest")).isEqualTo(sha256Hex(bytes));
        assertThat(text(browser, "sha256-server-digest")).isEqualTo(sha256Hex(bytes));
        assertThat(system.api().get(fileJob).body().at("/result/hex").asText()).isEqualTo(sha256Hex(bytes));
        browser.screenshot("submit-sha256-match");
    }

    @Test
    void anImageIsPreviewedByAWorkerAndItsJobReturnsTheThumbnail(BrowserSystem system, Browser browser)
            throws Exception {
        Path png = FILES.resolve("gradient-400x200.png");
        Files.createDirectories(FILES);
        BufferedImage image = new BufferedImage(400, 200, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 400; x++) {
                image.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | 128);
            }
        }
        ImageIO.write(image, "png", png.toFile());

        system.signIn(browser).open("/submit?type=image");
        browser.driver().findElement(By.id("image-file")).sendKeys(png.toString());
        browser.waitUpTo(JOB)
                .until(d -> d.findElement(By.id("image-facts")).getText().contains("400 × 200"));
        assertThat(browser.script(
                        "const i = document.getElementById('image-thumb'); return [i.naturalWidth, i.naturalHeight]"))
                .isEqualTo(List.of(160L, 80L));
        addOperation(browser, "grayscale");
        addOperation(browser, "thumbnail");
        WebElement size = browser.driver().findElement(By.cssSelector("#image-operations li[data-op=thumbnail] input"));
        size.clear();
        size.sendKeys("100");
        browser.screenshot("submit-image-preview");
        submit(browser, "image");
        String id = awaitOutcome(browser, "image");
        JsonNode job = system.api().get(id).body();
        assertThat(job.at("/result/width").asInt()).isEqualTo(100);
        assertThat(job.at("/result/height").asInt()).isEqualTo(50);
        browser.waitUpTo(JOB)
                .until(d -> Long.valueOf(100)
                        .equals(browser.script("const i = document.getElementById('image-result');"
                                + " return i && i.complete ? i.naturalWidth : null")));
        browser.screenshot("submit-image-result");
    }

    @Test
    void aCsvIsPreviewedByAWorkerAndItsStatisticsAreShown(BrowserSystem system, Browser browser) throws Exception {
        StringBuilder csv = new StringBuilder("city,temperature,note\r\n");
        double[] temperatures = {12.5, 14.0, 9.5, 20.0, 17.5, 11.0, 13.5, 15.0, 16.5, 18.0, 10.0, 19.5};
        for (int i = 0; i < temperatures.length; i++) {
            csv.append("\"City ")
                    .append(i)
                    .append(", North\",")
                    .append(temperatures[i])
                    .append(",")
                    .append(i % 2 == 0 ? "\"said \"\"hi\"\"\"" : "")
                    .append("\r\n");
        }
        Path file = write("cities.csv", csv.toString().getBytes(StandardCharsets.UTF_8));

        system.signIn(browser).open("/submit?type=csv-stats");
        browser.driver().findElement(By.id("csv-file")).sendKeys(file.toString());
        WebElement summary = browser.waitUpTo(JOB).until(d -> d.findElement(By.id("csv-summary")));
        assertThat(summary.getText()).startsWith("12 records after the header, 3 columns");
        List<WebElement> headers = browser.driver().findElements(By.cssSelector("#csv-preview-table thead th"));
        assertThat(headers).extracting(WebElement::getText).containsExactly("city", "temperature", "note");
        assertThat(browser.driver().findElements(By.cssSelector("#csv-preview-table tbody tr")))
                .hasSize(10);
        assertThat(browser.driver()
                        .findElement(By.cssSelector("#csv-preview-table tbody tr td"))
                        .getText())
                .isEqualTo("City 0, North");
        assertThat(browser.driver()
                        .findElement(By.cssSelector("#csv-columns li[data-kind=number]"))
                        .getText())
                .startsWith("temperature");
        browser.screenshot("submit-csv-preview");

        submit(browser, "csv-stats");
        String id = awaitOutcome(browser, "csv-stats");
        JsonNode result = system.api().get(id).body().get("result");
        assertThat(result.get("rows").asInt()).isEqualTo(12);
        double mean = java.util.Arrays.stream(temperatures).average().orElseThrow();
        assertThat(result.at("/columns/1/mean").asDouble()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
        WebElement table = browser.waitUpTo(JOB).until(d -> d.findElement(By.id("csv-result")));
        assertThat(table.getText()).contains("temperature").contains("12");
        browser.screenshot("submit-csv-result");
    }

    @Test
    void sleepNoopAndAnAllowedProgramRunFromTheirForms(BrowserSystem system, Browser browser) throws Exception {
        system.signIn(browser).open("/submit?type=sleep");
        type(browser, "sleep-millis", "300");
        submit(browser, "sleep");
        String sleep = awaitOutcome(browser, "sleep");
        assertThat(system.api().get(sleep).body().get("type").asText()).isEqualTo("sleep");

        browser.driver()
                .findElement(By.cssSelector("nav.tabs a[data-type=noop]"))
                .click();
        assertThat(browser.driver().getCurrentUrl()).endsWith("/submit?type=noop");
        submit(browser, "noop");
        String noop = awaitOutcome(browser, "noop");
        assertThat(system.api().get(noop).body().get("type").asText()).isEqualTo("noop");

        browser.driver()
                .findElement(By.cssSelector("nav.tabs a[data-type=exec]"))
                .click();
        type(browser, "exec-args", "hello\nfrom the page");
        submit(browser, "exec");
        String exec = awaitOutcome(browser, "exec");
        assertThat(system.api().get(exec).body().at("/result/stdout").asText()).isEqualTo("hello from the page\n");
        assertThat(browser.waitUpTo(JOB)
                        .until(d -> d.findElement(By.id("exec-stdout")))
                        .getText())
                .isEqualTo("hello from the page");
        assertThat(browser.driver()
                        .findElement(By.cssSelector("[data-outcome=exec] .job-result"))
                        .getText())
                .isEqualTo("Exit code 0\nOutput\nhello from the page");
        browser.screenshot("submit-exec-result");
    }

    @Test
    void theApisProblemsAppearNextToTheInputsTheyName(BrowserSystem system, Browser browser) throws Exception {
        JsonNode sleepsBefore =
                system.api().path("/api/jobs?type=sleep&limit=100").body().get("items");
        system.signIn(browser).open("/submit?type=sleep");
        type(browser, "sleep-millis", "-5");
        type(browser, "sleep-maxAttempts", "1000");
        browser.driver()
                .findElement(By.cssSelector("#form-sleep details.advanced summary"))
                .click();
        submit(browser, "sleep");
        WebElement millis = browser.waitUpTo(JOB).until(d -> visibleText(d.findElement(By.id("sleep-millis-error"))));
        assertThat(millis.getText()).contains("input.millis");
        assertThat(browser.driver()
                        .findElement(By.id("sleep-maxAttempts-error"))
                        .getText())
                .contains("maxAttempts");
        assertThat(browser.driver().findElement(By.id("sleep-millis")).getAttribute("aria-invalid"))
                .isEqualTo("true");
        assertThat(browser.driver()
                        .findElement(By.cssSelector("#form-sleep .problem-summary"))
                        .getText())
                .contains("Invalid job");
        assertThat(browser.driver().findElements(By.cssSelector("[data-outcome=sleep] .outcome")))
                .isEmpty();
        assertThat(system.api().path("/api/jobs?type=sleep&limit=100").body().get("items"))
                .as("no job was made")
                .isEqualTo(sleepsBefore);
        browser.screenshot("submit-problems");
    }

    @Test
    void everyFormFitsAPhoneScreenAndIsReachedFromItsTab(BrowserSystem system, Browser browser) throws Exception {
        system.signIn(browser);
        browser.driver().manage().window().setSize(new Dimension(390, 844));
        browser.open("/submit");
        List<String> types = browser.driver().findElements(By.cssSelector("nav.tabs a[data-type]")).stream()
                .map(a -> a.getAttribute("data-type"))
                .toList();
        assertThat(types).containsExactly("sha256", "image", "csv-stats", "sleep", "noop", "exec");
        for (String type : types) {
            browser.driver()
                    .findElement(By.cssSelector("nav.tabs a[data-type=\"" + type + "\"]"))
                    .click();
            WebElement form = browser.driver().findElement(By.id("form-" + type));
            assertThat(form.isDisplayed()).as(type).isTrue();
            assertThat(browser.driver().findElements(By.cssSelector("section.submit-form")).stream()
                            .filter(WebElement::isDisplayed)
                            .count())
                    .as("one form shown at a time")
                    .isEqualTo(1);
            assertThat(browser.script(
                            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
                    .as("no sideways scrolling on a 390 px wide screen, form " + type)
                    .isEqualTo(true);
        }
        browser.open("/submit?type=image");
        browser.screenshot("submit-image-phone");
    }

    @Test
    void filesAFormCantUseAreExplainedAndNothingIsSent(BrowserSystem system, Browser browser) throws Exception {
        JsonNode before = system.api().path("/api/jobs?limit=100").body().get("items");
        system.signIn(browser);

        // A file larger than the sha256 job takes: hashed in the browser only.
        byte[] large = new byte[750_001];
        new Random(3).nextBytes(large);
        Path tooLarge = write("random-750001.bin", large);
        browser.open("/submit?type=sha256");
        browser.driver()
                .findElement(By.cssSelector("#form-sha256 input[name=source][value=file]"))
                .click();
        browser.driver().findElement(By.id("sha256-file")).sendKeys(tooLarge.toString());
        assertThat(browser.waitUpTo(JOB)
                        .until(d -> d.findElement(By.id("sha256-file-digest")))
                        .getText())
                .isEqualTo(sha256Hex(large));
        assertThat(text(browser, "sha256-file-error")).contains("larger than 750,000 bytes");
        submit(browser, "sha256");
        assertThat(text(browser, "sha256-file-error")).contains("Only files up to 750,000 bytes");

        // Not an image.
        Path notAnImage = write("not-an-image.png", "just text".getBytes(StandardCharsets.UTF_8));
        browser.open("/submit?type=image");
        browser.driver().findElement(By.id("image-file")).sendKeys(notAnImage.toString());
        assertThat(browser.waitUpTo(JOB)
                        .until(d -> visibleText(d.findElement(By.id("image-file-error"))))
                        .getText())
                .contains("not an image this browser can decode");

        // A CSV whose quote never closes: the preview names the record.
        Path broken = write("broken.csv", "a,b\r\n1,2\r\n3,\"open\r\n".getBytes(StandardCharsets.UTF_8));
        browser.open("/submit?type=csv-stats");
        browser.driver().findElement(By.id("csv-file")).sendKeys(broken.toString());
        assertThat(browser.waitUpTo(JOB)
                        .until(d -> visibleText(d.findElement(By.id("csv-file-error"))))
                        .getText())
                .contains("record 3: a quoted field is not closed");
        browser.screenshot("submit-csv-unclosed-quote");

        assertThat(system.api().path("/api/jobs?limit=100").body().get("items"))
                .as("no job was made")
                .isEqualTo(before);
    }

    // ---------------------------------------------------------------------------------------------

    private static WebElement visibleText(WebElement element) {
        return element.getText().isBlank() ? null : element;
    }

    private static void type(Browser browser, String id, String value) {
        WebElement input = browser.driver().findElement(By.id(id));
        if (!input.isDisplayed()) {
            input.findElement(By.xpath("ancestor::details"))
                    .findElement(By.tagName("summary"))
                    .click();
        }
        input.clear();
        input.sendKeys(value);
    }

    private static String text(Browser browser, String id) {
        return browser.driver().findElement(By.id(id)).getText();
    }

    private static void addOperation(Browser browser, String op) {
        new org.openqa.selenium.support.ui.Select(browser.driver().findElement(By.id("image-add-op")))
                .selectByValue(op);
        browser.driver().findElement(By.id("image-add")).click();
    }

    private static void submit(Browser browser, String type) {
        browser.driver()
                .findElement(By.cssSelector("#form-" + type + " button[type=submit]"))
                .click();
    }

    /** Waits for the newest job of the form to finish on the page; asserts it succeeded; its id. */
    private static String awaitOutcome(Browser browser, String type) {
        WebElement outcome = browser.waitUpTo(JOB)
                .until(d -> d.findElement(By.cssSelector("[data-outcome=\"" + type + "\"] .outcome[data-status]")));
        assertThat(outcome.getAttribute("data-status")).as(outcome.getText()).isEqualTo("SUCCEEDED");
        String id = outcome.getAttribute("data-job-id");
        assertThat(outcome.findElement(By.cssSelector("a.job-link")).getAttribute("href"))
                .endsWith("/jobs/" + id);
        // The next submission of this form must be told apart from this one.
        browser.script(
                "arguments[0].removeAttribute('data-status'); arguments[0].classList.remove('outcome');", outcome);
        return id;
    }

    private static Path write(String name, byte[] bytes) throws Exception {
        Files.createDirectories(FILES);
        Path file = FILES.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    static String sha256Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String chainHex(byte[] bytes, int rounds) throws Exception {
        byte[] d = bytes;
        for (int i = 0; i < rounds; i++) {
            d = MessageDigest.getInstance("SHA-256").digest(d);
        }
        return HexFormat.of().formatHex(d);
    }
}
