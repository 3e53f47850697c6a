package io.forkyard.web.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TicksTest {

    private static final Cron EVERY_MINUTE = Cron.parse("* * * * *");
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Duration THRESHOLD = Duration.ofMinutes(1);
    private static final Instant DUE = Instant.parse("2026-12-04T10:00:00Z");

    @Test
    void aTickMadeWithinTheThresholdRunsAndTheNextIsAfterNow() {
        Ticks.Plan plan = Ticks.plan(EVERY_MINUTE, UTC, DUE, DUE.plusMillis(40), THRESHOLD, true);
        assertThat(plan.run()).containsExactly(DUE);
        assertThat(plan.next()).isEqualTo(DUE.plusSeconds(60));
    }

    @Test
    void ticksMissedLongerThanTheThresholdRunOnceTogetherOrAreSkipped() {
        Instant now = DUE.plus(Duration.ofMinutes(10)).plusSeconds(5); // down for ten minutes
        Ticks.Plan once = Ticks.plan(EVERY_MINUTE, UTC, DUE, now, THRESHOLD, true);
        assertThat(once.run())
                .as("one job for the missed 10:00 … 10:09, then 10:10, still on time")
                .containsExactly(DUE, DUE.plus(Duration.ofMinutes(10)));
        assertThat(once.next()).isEqualTo(DUE.plus(Duration.ofMinutes(11)));

        Ticks.Plan skip = Ticks.plan(EVERY_MINUTE, UTC, DUE, now, THRESHOLD, false);
        assertThat(skip.run()).containsExactly(DUE.plus(Duration.ofMinutes(10)));
        assertThat(skip.next()).isEqualTo(once.next());
    }
}
