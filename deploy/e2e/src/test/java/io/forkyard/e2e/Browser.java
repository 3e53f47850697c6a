package io.forkyard.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}) driven through its own chromedriver
 * ({@code /usr/bin/chromedriver}), with a fresh profile that is deleted on close. Both paths are
 * given explicitly, so Selenium Manager never looks for or downloads a browser or driver; the
 * e2e build installs the two Debian packages when they are missing ({@code deploy/e2e/ensure-chromium}).
 *
 * <p>The flags keep the browser off the network except for the page under test (no sync, no
 * component updates, no background requests, no QUIC) and let it run as root in a container
 * ({@code --no-sandbox}) without a GPU.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where {@link #screenshot} writes, under the e2e module's {@code target/}. */
    static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

    private final String baseUrl;
    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    /** Starts a browser whose relative {@link #open} paths resolve against {@code baseUrl}. */
    Browser(String baseUrl) throws IOException {
        for (Path binary : new Path[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(binary + " is missing: run deploy/e2e/ensure-chromium"
                        + " (the e2e build does before its tests)");
            }
        }
        this.baseUrl = baseUrl;
        this.profile = Files.createTempDirectory("forkyard-chromium-");
        Path driverLog = Path.of("target", "e2e-logs", "chromedriver-" + profile.getFileName() + ".log")
                .toAbsolutePath();
        Files.createDirectories(driverLog.getParent());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,1000",
                "--user-data-dir=" + profile);
        this.service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(driverLog.toFile())
                .build();
        ChromeDriver started;
        try {
            started = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteProfile();
            throw e;
        }
        this.driver = started;
        driver.manage().timeouts().scriptTimeout(Duration.ofMinutes(3));
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    ChromeDriver driver() {
        return driver;
    }

    String baseUrl() {
        return baseUrl;
    }

    /** Loads {@code path} (e.g. {@code /submit}) of the system under test. */
    Browser open(String path) {
        driver.get(baseUrl + path);
        return this;
    }

    /** Runs synchronous JavaScript in the page and returns its value as Selenium converts it. */
    Object script(String javascript, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(javascript, args);
    }

    /** Runs JavaScript that calls {@code arguments[arguments.length - 1]} with its answer. */
    Object asyncScript(String javascript, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(javascript, args);
    }

    /** A wait of up to {@code timeout} for a condition on the page. */
    WebDriverWait waitUpTo(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(100));
        return wait;
    }

    /**
     * Saves the whole page (not only the viewport) as {@code target/screenshots/<name>.png} and
     * returns the file. Uses the DevTools protocol to capture beyond the viewport.
     */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path target = SCREENSHOTS.resolve(name + ".png");
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Object size = metrics.get("cssContentSize");
        if (size instanceof Map<?, ?> content) {
            Number width = (Number) content.get("width");
            Number height = (Number) content.get("height");
            Map<String, Object> shot = driver.executeCdpCommand(
                    "Page.captureScreenshot",
                    Map.of(
                            "format",
                            "png",
                            "captureBeyondViewport",
                            true,
                            "clip",
                            Map.of(
                                    "x", 0,
                                    "y", 0,
                                    "width", width.doubleValue(),
                                    "height", Math.min(height.doubleValue(), 8000),
                                    "scale", 1)));
            Files.write(target, Base64.getDecoder().decode((String) shot.get("data")));
        } else {
            File taken = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.move(taken.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Quits the browser and its driver and deletes the profile. */
    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteProfile();
        }
    }

    private void deleteProfile() throws IOException {
        if (!Files.exists(profile)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(profile)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
