package io.forkyard.worker.pool;

/** What the runner of a request hears from the child, and how it asks the child to stop. */
public interface ChildListener {

    /** A progress frame of the running request. */
    void progress(int percent, String message);

    /** Polled about every 50 ms; a non-null reason stops the job and kills the child. */
    String stopReason();
}
