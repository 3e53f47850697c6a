package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;
import org.openqa.selenium.By;

/**
 * The seed's claim, measured: the Submit page hashes a 64 MiB file in a Web Worker and its main
 * thread stays free. A PerformanceObserver ({@code longtask}) and a {@code requestAnimationFrame}
 * loop, injected into the page before the file is picked, record the main thread while the file
 * is hashed. With the worker, no task may pass 100 ms (the bound), and the digest must be
 * Java's {@link MessageDigest} of the same bytes (the server's sha256 job takes at most 750,000
 * bytes, so a 64 MiB file can't be sent to it).
 *
 * <p>The same file is then hashed with the same code on the main thread ({@code ?mainThread=1}); its
 * figures are reported (a log line and {@code target/hash-measurement.txt}), never asserted: they
 * depend on the machine.
 *
 * <p>So that "no long task" can't come from an observer that records nothing, each page first runs
 * a deliberate 150 ms task and the test requires the observer to have seen it.
 */
@Isolated // it measures the browser's main thread: nothing else may load the machine
@ExtendWith(BrowserTests.class)
class HashingMeasurementIT {

    private static final int SIZE = 64 * 1024 * 1024;
    private static final double LONG_TASK_BOUND_MS = 100;

    /** Injected before the file is picked: records long tasks and frames, then runs the probe task. */
    private static final String INSTRUMENT = """
            const done = arguments[arguments.length - 1];
            window.__measure = {longtasks: [], frames: []};
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) window.__measure.longtasks.push([e.startTime, e.duration]);
            }).observe({type: 'longtask'});
            const tick = (t) => { window.__measure.frames.push(t); requestAnimationFrame(tick); };
            requestAnimationFrame(tick);
            setTimeout(() => {
              const end = performance.now() + 150;
              while (performance.now() < end) { /* the probe: one deliberate 150 ms task */ }
              // The observer reports after the task; wait for it (at most 5 s).
              const started = performance.now();
              const wait = () => {
                if (window.__measure.longtasks.some(([, d]) => d >= 150)) done(true);
                else if (performance.now() - started > 5000) done(false);
                else setTimeout(wait, 50);
              };
              wait();
            }, 0);
            """;

    /** After the run: its figures, from what was recorded between its start and end. */
    private static final String FIGURES = """
            const run = window.forkyardSubmit.hashRuns[0];
            const from = run.startedAt, to = run.endedAt;
            const tasks = window.__measure.longtasks.filter(([s, d]) => s < to && s + d > from);
            const frames = window.__measure.frames.filter((t) => t >= from && t <= to);
            let gap = 0;
            for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i] - frames[i - 1]);
            return {
              mode: run.mode, hex: run.hex, ms: run.ms, bytes: run.bytes,
              longTasks: tasks.length,
              longestTaskMs: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
              tasksOver100: tasks.filter(([, d]) => d > 100).length,
              blockingMs: tasks.reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0),
              frames: frames.length,
              longestFrameGapMs: gap,
            };
            """;

    @Test
    void hashing64MiBInAWebWorkerLeavesTheMainThreadFreeAndGetsJavasDigest(BrowserSystem system, Browser browser)
            throws Exception {
        Path file = Path.of("target", "submit-files", "random-64MiB.bin").toAbsolutePath();
        String expected = writeRandom(file);
        system.signIn(browser);

        Map<?, ?> worker = measure(browser, "/submit?type=sha256", file);
        browser.screenshot("submit-sha256-64MiB-worker");
        Map<?, ?> main = measure(browser, "/submit?type=sha256&mainThread=1", file);
        browser.screenshot("submit-sha256-64MiB-main-thread");

        String report = "HASH-64MiB " + line(worker) + "\nHASH-64MiB " + line(main) + "\n";
        System.out.print(report);
        Files.writeString(
                Path.of("target", "hash-measurement.txt"),
                "# " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                        + " cores; longtask = PerformanceObserver entries overlapping the hash run,"
                        + " blocking = sum of (task - 50 ms), frame gap = longest gap between"
                        + " requestAnimationFrame callbacks during the run\n" + report,
                StandardCharsets.UTF_8);

        assertThat(worker.get("mode")).isEqualTo("worker");
        assertThat(worker.get("hex")).isEqualTo(expected);
        assertThat(worker.get("bytes")).isEqualTo((long) SIZE);
        assertThat(((Number) worker.get("longestTaskMs")).doubleValue())
                .as("longest main-thread task while the worker hashed 64 MiB")
                .isLessThanOrEqualTo(LONG_TASK_BOUND_MS);
        assertThat(main.get("mode")).isEqualTo("main");
        assertThat(main.get("hex")).isEqualTo(expected);
    }

    /** Opens the page, instruments it, picks the file, waits for the hash, answers the figures. */
    private static Map<?, ?> measure(Browser browser, String page, Path file) {
        browser.open(page);
        assertThat(browser.asyncScript(INSTRUMENT))
                .as("the longtask observer saw the deliberate 150 ms task")
                .isEqualTo(true);
        browser.driver()
                .findElement(By.cssSelector("#form-sha256 input[name=source][value=file]"))
                .click();
        browser.driver().findElement(By.id("sha256-file")).sendKeys(file.toString());
        browser.waitUpTo(Duration.ofMinutes(3))
                .until(d -> browser.script("return window.forkyardSubmit.hashRuns.length === 1"));
        browser.waitUpTo(Duration.ofSeconds(30)).until(d -> d.findElement(By.id("sha256-file-digest")));
        return (Map<?, ?>) browser.script(FIGURES);
    }

    private static String line(Map<?, ?> f) {
        return String.format(
                java.util.Locale.ROOT,
                "%-6s hashed in %.0f ms; long tasks %s (over 100 ms: %s), longest %.0f ms, blocking %.0f ms;"
                        + " %s frames, longest frame gap %.0f ms",
                f.get("mode"),
                ((Number) f.get("ms")).doubleValue(),
                f.get("longTasks"),
                f.get("tasksOver100"),
                ((Number) f.get("longestTaskMs")).doubleValue(),
                ((Number) f.get("blockingMs")).doubleValue(),
                f.get("frames"),
                ((Number) f.get("longestFrameGapMs")).doubleValue());
    }

    /** 64 MiB of seeded random bytes; answers their SHA-256 by Java's MessageDigest. */
    private static String writeRandom(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(64);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < SIZE / block.length; i++) {
                random.nextBytes(block);
                sha.update(block);
                out.write(block);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
