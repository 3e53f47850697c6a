package io.forkyard.worker.run;

import io.forkyard.worker.complete.Outcome;

/** Where a slot hands a finished attempt, so it can take its next job at once. */
public interface Completion {

    /** Queues the outcome for the next group commit. */
    void complete(Outcome outcome);

    /** The job ends here with nothing to write: its lease is someone else's now. */
    void forget(HeldJob job);
}
