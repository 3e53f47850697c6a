package io.forkyard.web.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Which ticks of a due schedule get a job (README "Schedules"). Ticks up to {@code
 * misfire-threshold} old are on time: each gets a job, however many came since the last round. Older
 * ones were missed (everything was down, or the schedule's round failed for long): with {@code
 * run-once} they get ONE job together, made for the first of them; with {@code skip}, none.
 */
final class Ticks {

    /** The ticks to make jobs for, in order, and the next tick (null: the expression has no more). */
    record Plan(List<Instant> run, Instant next) {}

    private Ticks() {}

    static Plan plan(Cron cron, ZoneId zone, Instant due, Instant now, Duration misfireThreshold, boolean runOnce) {
        List<Instant> run = new ArrayList<>();
        Instant tick = due;
        Instant cutoff = now.minus(misfireThreshold);
        if (tick.isBefore(cutoff)) {
            if (runOnce) {
                run.add(tick);
            }
            tick = cron.next(cutoff.minusNanos(1), zone); // the first tick that is still on time
        }
        while (tick != null && !tick.isAfter(now)) {
            run.add(tick);
            tick = cron.next(tick, zone);
        }
        return new Plan(run, tick);
    }
}
