package io.forkyard.worker.pool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drains a child's stderr on its own thread, so the child never blocks on a full pipe, keeping
 * only the last {@code capacity} bytes to attach to a failure, and counting what was written since
 * the current job began.
 */
final class StderrTail {

    private final byte[] ring;
    private long written;
    private long jobStart;

    StderrTail(int capacity) {
        this.ring = new byte[capacity];
    }

    /** Starts the draining thread; it ends when the child closes stderr. */
    void drain(InputStream in, String threadName) {
        Thread t = new Thread(() -> pump(in), threadName);
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                append(buf, n);
            }
        } catch (IOException e) {
            // the child is gone; what we kept is all there is
        }
    }

    private synchronized void append(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            ring[(int) ((written + i) % ring.length)] = buf[i];
        }
        written += n;
    }

    /** Marks the start of a job: {@link #sinceJobStart()} counts from here. */
    synchronized void markJobStart() {
        jobStart = written;
    }

    synchronized long sinceJobStart() {
        return written - jobStart;
    }

    /** The kept tail, as text; empty when the child wrote nothing. */
    synchronized String tail() {
        int length = (int) Math.min(written, ring.length);
        byte[] out = new byte[length];
        long start = written - length;
        for (int i = 0; i < length; i++) {
            out[i] = ring[(int) ((start + i) % ring.length)];
        }
        return new String(out, StandardCharsets.UTF_8).strip();
    }
}
