package io.forkyard.worker.run;

/** What the worker tells the broker about a record once its job is dealt with. */
public enum Disposition {
    /** Done with it: the job's state in PostgreSQL says the rest. */
    ACCEPT,
    /** Not processed (e.g. the database was unreachable): deliver it again. */
    RELEASE,
    /** Unreadable: never deliver again (it also goes to the dead-letter topic). */
    REJECT
}
