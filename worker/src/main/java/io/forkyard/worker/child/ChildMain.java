package io.forkyard.worker.child;

import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.jobtype.Violations;
import io.forkyard.protocol.Frame;
import io.forkyard.protocol.FrameReader;
import io.forkyard.protocol.FrameWriter;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.SynchronousQueue;

/**
 * The main of a pooled child JVM: plain Java, no Quarkus. Reads request frames on stdin, runs each
 * with its {@link ChildHandler}, writes progress and one result or error frame per request on
 * stdout. {@code System.out} is pointed at stderr, so a stray {@code println} in a handler can't
 * corrupt the protocol.
 *
 * <p>A dedicated thread reads stdin, so the child notices its worker is gone even while a job
 * burns CPU: on end of input it kills its own descendants and halts at once. That is what makes a
 * SIGKILLed worker leave no process behind.
 */
public final class ChildMain {

    /** Exit status when stdin closed: the worker is gone or retired this child. */
    static final int EXIT_STDIN_CLOSED = 0;

    private ChildMain() {}

    /** Argument that makes the child run a few jobs in-process and exit, to record a CDS archive. */
    public static final String CDS_TRAINING = "--cds-training";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && CDS_TRAINING.equals(args[0])) {
            train();
            return;
        }
        FrameWriter out = new FrameWriter(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        Map<String, ChildHandler> handlers = new HashMap<>();
        for (ChildHandler h : ServiceLoader.load(ChildHandler.class)) {
            handlers.put(h.type(), h);
        }
        SynchronousQueue<Frame> requests = new SynchronousQueue<>();
        Thread reader = new Thread(() -> readRequests(requests), "stdin-reader");
        reader.setDaemon(true);
        reader.start();
        out.write(Frame.ready(ProcessHandle.current().pid()));
        while (true) {
            Frame request = requests.take();
            out.write(run(request, handlers, out));
        }
    }

    /**
     * Loads what a child loads on its first jobs (protocol, Jackson, every handler) so that {@code
     * -XX:ArchiveClassesAtExit} records it; exits normally, which writes the archive.
     */
    private static void train() throws Exception {
        Map<String, ChildHandler> handlers = new HashMap<>();
        for (ChildHandler h : ServiceLoader.load(ChildHandler.class)) {
            handlers.put(h.type(), h);
        }
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        FrameWriter out = new FrameWriter(sink);
        String sample =
                "{\"kind\":\"request\",\"id\":\"t\",\"type\":\"sha256\",\"input\":{\"text\":\"x\",\"rounds\":3}}\n";
        Frame request = new FrameReader(
                        new java.io.ByteArrayInputStream(sample.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        1 << 16)
                .read();
        out.write(run(request, handlers, out));
        out.write(run(Frame.request("n", "noop", request.input()), handlers, out));
        System.exit(0);
    }

    private static Frame run(Frame request, Map<String, ChildHandler> handlers, FrameWriter out) {
        String id = request.id();
        ChildHandler handler = handlers.get(request.type());
        if (handler == null) {
            return error(id, FailureCode.UNKNOWN_TYPE, "this child has no handler for type '" + request.type() + "'");
        }
        JobType type = JobTypeCatalogue.instance().find(request.type()).orElse(null);
        if (type != null) {
            Violations violations = new Violations();
            type.validate(request.input(), violations);
            if (!violations.isEmpty()) {
                return error(id, FailureCode.INVALID_INPUT, violations.summary());
            }
        }
        ThrottledProgress progress = new ThrottledProgress(id, out);
        try {
            return Frame.result(id, handler.handle(request.input(), progress));
        } catch (JobFailure e) {
            return Frame.error(id, e.code(), e.getMessage(), e.retryable());
        } catch (OutOfMemoryError e) {
            // Reached only when the allocation that failed was the job's; the worker retires this child.
            return error(id, FailureCode.MEMORY_LIMIT, "the job ran out of the child's heap (" + e.getMessage() + ")");
        } catch (Exception e) {
            e.printStackTrace(System.err);
            return error(id, FailureCode.JOB_ERROR, e.toString());
        }
    }

    private static Frame error(String id, FailureCode code, String message) {
        return Frame.error(id, code, message, code.retryable());
    }

    private static void readRequests(SynchronousQueue<Frame> requests) {
        FrameReader in = new FrameReader(new FileInputStream(FileDescriptor.in), 256 << 20);
        try {
            Frame frame;
            while ((frame = in.read()) != null) {
                if (Frame.REQUEST.equals(frame.kind())) {
                    requests.put(frame);
                }
            }
        } catch (IOException e) {
            System.err.println("child: unreadable request, exiting: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exitNow();
    }

    /** Kills whatever this child started, then halts without running shutdown hooks. */
    static void exitNow() {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        Runtime.getRuntime().halt(EXIT_STDIN_CLOSED);
    }

    /**
     * Writes at most one progress frame per 200 ms, the first 200 ms into the job, and only when
     * the percentage changed: a short job sends none, so it costs no progress writes.
     */
    private static final class ThrottledProgress implements ChildHandler.Progress {
        private static final long INTERVAL_NANOS = 200_000_000L;
        private final String id;
        private final FrameWriter out;
        private long last = System.nanoTime();
        private int lastPercent = -1;

        ThrottledProgress(String id, FrameWriter out) {
            this.id = id;
            this.out = out;
        }

        @Override
        public void report(int percent, String message) {
            long now = System.nanoTime();
            if (percent == lastPercent || now - last < INTERVAL_NANOS) {
                return;
            }
            last = now;
            lastPercent = percent;
            try {
                out.write(Frame.progress(id, percent, message));
            } catch (IOException e) {
                exitNow();
            }
        }
    }
}
