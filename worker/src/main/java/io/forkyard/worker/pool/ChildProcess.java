package io.forkyard.worker.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.protocol.Frame;
import io.forkyard.protocol.FrameReader;
import io.forkyard.protocol.FrameWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One live child process and its three pipes. stdout is read on its own thread into an event
 * queue through a bounded {@link FrameReader}; stderr is drained by a {@link StderrTail}. A request
 * runs on the caller's thread, which waits on the queue and enforces the time, output and stop
 * limits. Anything that leaves the child in an unknown state (timeout, garbage on stdout, a lost
 * pipe) kills it; the pool then replaces it.
 *
 * <p>Not thread-safe: the pool hands a child to one caller at a time.
 */
final class ChildProcess {

    private sealed interface Event {}

    private record FrameEvent(Frame frame) implements Event {}

    private record Overflow(int limit) implements Event {}

    private record Garbage(String raw) implements Event {}

    private record Closed(String why) implements Event {}

    private static final long POLL_MILLIS = 50;

    private final Process process;
    private final boolean ownGroup;
    private final FrameWriter stdin;
    private final StderrTail stderr;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final long maxStderrBytes;
    private int jobsRun;
    private volatile String retiredFor;

    private ChildProcess(Process process, boolean ownGroup, StderrTail stderr, long maxStderrBytes) {
        this.process = process;
        this.ownGroup = ownGroup;
        this.stdin = new FrameWriter(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
        this.stderr = stderr;
        this.maxStderrBytes = maxStderrBytes;
    }

    /** Starts a child and waits for its {@code ready} frame. */
    static ChildProcess start(
            ChildLauncher launcher, int maxFrameBytes, long maxStderrBytes, int stderrTailBytes, Duration startTimeout)
            throws IOException {
        ProcessBuilder builder = launcher.processBuilder();
        Process process = builder.start();
        StderrTail tail = new StderrTail(stderrTailBytes);
        tail.drain(process.getErrorStream(), "child-" + process.pid() + "-stderr");
        ChildProcess child = new ChildProcess(process, launcher.ownGroup(), tail, maxStderrBytes);
        child.readStdout(maxFrameBytes);
        child.awaitReady(startTimeout);
        return child;
    }

    long pid() {
        return process.pid();
    }

    int jobsRun() {
        return jobsRun;
    }

    /** Alive and in a known state: may take another request. */
    boolean isUsable() {
        return retiredFor == null && process.isAlive();
    }

    /** Why the child may take no more requests ({@code timeout}, {@code crashed}, ...); null while usable. */
    String retiredFor() {
        if (retiredFor == null && !process.isAlive()) {
            return "exited";
        }
        return retiredFor;
    }

    /** Kills the child and all it started; {@code reason} names why, for the pool's metrics. */
    void kill(String reason) {
        if (retiredFor == null) {
            retiredFor = reason;
        }
        ProcessTree.kill(process.toHandle(), ownGroup);
    }

    /** Retires a healthy child: closing stdin makes it exit; kill if it lingers. */
    void retire(String reason) {
        if (retiredFor == null) {
            retiredFor = reason;
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                kill(reason);
            }
        } catch (IOException e) {
            kill(reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(reason);
        }
    }

    /** Sends one request and waits for its end, within {@code timeout}. */
    ChildOutcome run(String requestId, String type, JsonNode input, Duration timeout, ChildListener listener) {
        jobsRun++;
        stderr.markJobStart();
        events.removeIf(e -> e instanceof FrameEvent);
        try {
            stdin.write(Frame.request(requestId, type, input));
        } catch (IOException e) {
            return crashed("the child's stdin is closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return fail(
                        FailureCode.TIMEOUT,
                        "the job ran longer than its timeout of " + timeout.toSeconds()
                                + " s; its process tree was killed");
            }
            if (listener.stopRequested()) {
                kill("stopped");
                return new ChildOutcome.Stopped();
            }
            if (stderr.sinceJobStart() > maxStderrBytes) {
                return fail(FailureCode.OUTPUT_LIMIT, "the job wrote more than " + maxStderrBytes + " bytes to stderr");
            }
            Event event;
            try {
                event = events.poll(
                        Math.min(POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill("stopped");
                return new ChildOutcome.Stopped();
            }
            if (event == null) {
                continue;
            }
            ChildOutcome outcome = handle(event, requestId, listener);
            if (outcome != null) {
                return outcome;
            }
        }
    }

    /** Returns the request's outcome, or null while it is still running. */
    private ChildOutcome handle(Event event, String requestId, ChildListener listener) {
        if (event instanceof Overflow o) {
            return fail(
                    FailureCode.OUTPUT_LIMIT,
                    "the job wrote a frame larger than " + o.limit() + " bytes to stdout; its process tree was killed");
        }
        if (event instanceof Garbage g && g.raw().contains("OutOfMemoryError")) {
            // -XX:+ExitOnOutOfMemoryError reports on stdout as the JVM dies
            return fail(FailureCode.MEMORY_LIMIT, "the job ran out of its memory limit: " + g.raw());
        }
        if (event instanceof Garbage g) {
            return fail(
                    FailureCode.PROTOCOL_ERROR,
                    "the child wrote something that is not a frame on stdout: " + g.raw() + withStderr());
        }
        if (event instanceof Closed c) {
            return crashed(c.why());
        }
        Frame frame = ((FrameEvent) event).frame();
        if (!requestId.equals(frame.id())) {
            return fail(
                    FailureCode.PROTOCOL_ERROR,
                    "the child answered request " + frame.id() + " while running " + requestId);
        }
        switch (frame.kind()) {
            case Frame.PROGRESS -> {
                listener.progress(frame.percent() == null ? 0 : frame.percent(), frame.message());
                return null;
            }
            case Frame.RESULT -> {
                return new ChildOutcome.Success(frame.result());
            }
            case Frame.ERROR -> {
                return reported(frame);
            }
            default -> {
                return fail(FailureCode.PROTOCOL_ERROR, "unexpected frame kind '" + frame.kind() + "'");
            }
        }
    }

    /**
     * The failure a child reported: its code (a word this vocabulary does not know becomes {@code
     * JOB_ERROR}, keeping the word in the message) and its own word on whether a retry can help.
     */
    private ChildOutcome.Failure reported(Frame frame) {
        FailureCode code = FailureCode.of(frame.code()).orElse(FailureCode.JOB_ERROR);
        String message = code.name().equals(frame.code()) || frame.code() == null
                ? frame.message()
                : frame.code() + ": " + frame.message();
        boolean retryable = frame.retryable() != null ? frame.retryable() : code.retryable();
        code.childEviction().ifPresent(this::kill); // e.g. after an OutOfMemoryError its heap is in an unknown state
        return new ChildOutcome.Failure(code, message, retryable);
    }

    /** A failure found by the worker: the child is killed when the code says it must be replaced. */
    private ChildOutcome.Failure fail(FailureCode code, String message) {
        code.childEviction().ifPresent(this::kill);
        return ChildOutcome.Failure.of(code, message);
    }

    private ChildOutcome crashed(String why) {
        int status;
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill("crashed");
            }
            status = process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill("crashed");
            status = -1;
        }
        if (stderr.tail().contains("OutOfMemoryError")) {
            return fail(
                    FailureCode.MEMORY_LIMIT,
                    "the job ran out of its memory limit (exit status " + status + ")" + withStderr());
        }
        String signal = status > 128 ? " (signal " + (status - 128) + ")" : "";
        // leave none of its descendants behind
        return fail(
                FailureCode.CHILD_CRASHED,
                "the child process exited with status " + status + signal + " while running the job (" + why + ")"
                        + withStderr());
    }

    private String withStderr() {
        String tail = stderr.tail();
        return tail.isEmpty() ? "" : "; stderr ends with: " + tail;
    }

    private void awaitReady(Duration timeout) throws IOException {
        try {
            Event first = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (first instanceof FrameEvent f && Frame.READY.equals(f.frame().kind())) {
                return;
            }
            kill("start-failed");
            throw new IOException("child did not start: " + (first == null ? "no ready frame within " + timeout : first)
                    + withStderr());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill("start-failed");
            throw new IOException("interrupted while starting a child", e);
        }
    }

    private void readStdout(int maxFrameBytes) {
        Thread reader = new Thread(
                () -> {
                    FrameReader in = new FrameReader(process.getInputStream(), maxFrameBytes);
                    try {
                        Frame frame;
                        while ((frame = in.read()) != null) {
                            events.add(new FrameEvent(frame));
                        }
                        events.add(new Closed("stdout closed"));
                    } catch (FrameReader.FrameTooLargeException e) {
                        events.add(new Overflow(maxFrameBytes));
                    } catch (FrameReader.MalformedFrameException e) {
                        events.add(new Garbage(e.raw()));
                    } catch (IOException e) {
                        events.add(new Closed("stdout: " + e.getMessage()));
                    }
                },
                "child-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public String toString() {
        return "Child(pid=" + process.pid() + ", jobs=" + jobsRun + ")";
    }
}
