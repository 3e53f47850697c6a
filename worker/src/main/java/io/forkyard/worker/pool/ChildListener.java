package io.forkyard.worker.pool;

/** What the runner of a request hears from the child, and how it asks the child to stop. */
public interface ChildListener {

    /** Ignores progress and never asks to stop (benchmarks, tests, warm-up). */
    ChildListener NONE = new ChildListener() {
        @Override
        public void progress(int percent, String message) {}

        @Override
        public boolean stopRequested() {
            return false;
        }
    };

    /** A progress frame of the running request. */
    void progress(int percent, String message);

    /** Polled about every 50 ms; true stops the job and kills the child. */
    boolean stopRequested();
}
