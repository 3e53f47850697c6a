package io.forkyard.web.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void fiveFieldsRunAtWholeMinutesAndSixFieldsAddSeconds() {
        assertThat(ticks("*/15 * * * *", UTC, "2026-12-04T10:07:30Z", 3))
                .containsExactly("2026-12-04T10:15:00Z", "2026-12-04T10:30:00Z", "2026-12-04T10:45:00Z");
        assertThat(ticks("*/20 * * * * *", UTC, "2026-12-04T10:07:30.500Z", 3))
                .containsExactly("2026-12-04T10:07:40Z", "2026-12-04T10:08:00Z", "2026-12-04T10:08:20Z");
        assertThat(ticks("0 9-17/4 * * MON-FRI", UTC, "2026-12-04T12:00:00Z", 3)) // a Friday
                .containsExactly("2026-12-04T13:00:00Z", "2026-12-04T17:00:00Z", "2026-12-07T09:00:00Z");
        assertThat(ticks("0 0 1 JAN,jul ?", UTC, "2026-12-04T00:00:00Z", 2))
                .containsExactly("2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z");
    }

    @Test
    void whenBothDayFieldsAreRestrictedEitherDayRuns() {
        // the 13th, or any Friday (Sunday is 0 and 7)
        assertThat(ticks("0 12 13 * 5", UTC, "2026-12-04T13:00:00Z", 3))
                .containsExactly("2026-12-11T12:00:00Z", "2026-12-13T12:00:00Z", "2026-12-18T12:00:00Z");
        assertThat(ticks("0 0 * * 7", UTC, "2026-12-04T00:00:00Z", 1)).containsExactly("2026-12-06T00:00:00Z");
    }

    @Test
    void aWallClockTimeTheSpringJumpSkipsRunsOnceShiftedByTheGap() {
        // 8 March 2026, New York: 02:00 EST jumps to 03:00 EDT
        assertThat(ticks("30 2 * * *", NEW_YORK, "2026-03-07T00:00:00Z", 3))
                .containsExactly("2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z");
        // 02:30 EST the day before, 03:30 EDT (07:30Z) on the day, 02:30 EDT after
        assertThat(ticks("0 * * * *", NEW_YORK, "2026-03-08T05:30:00Z", 3))
                .as("hourly: 01:00 EST, then 03:00 EDT (the 02:00 that does not exist is 03:00), no tick twice")
                .containsExactly("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z");
    }

    @Test
    void aWallClockTimeTheAutumnJumpRepeatsRunsOnceTheFirstTime() {
        // 1 November 2026, New York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice
        assertThat(ticks("30 1 * * *", NEW_YORK, "2026-10-31T12:00:00Z", 3))
                .containsExactly("2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z");
        assertThat(ticks("30 1 * * *", NEW_YORK, "2026-11-01T05:30:00Z", 1))
                .as("from the first 01:30, the next is tomorrow's, not the repeat an hour later")
                .containsExactly("2026-11-02T06:30:00Z");
    }

    @Test
    void aWrongExpressionSaysWhatIsWrongInIt() {
        assertThatThrownBy(() -> Cron.parse("* * * *")).hasMessageContaining("4 fields");
        assertThatThrownBy(() -> Cron.parse("0 24 * * *")).hasMessage("hour: 24 is out of range 0-23");
        assertThatThrownBy(() -> Cron.parse("0 0 * FOO *"))
                .hasMessageContaining("month: 'FOO' is not a number or a name");
        assertThatThrownBy(() -> Cron.parse("0 0 10-2 * *"))
                .hasMessageContaining("day-of-month: range 10-2 runs backwards");
        assertThatThrownBy(() -> Cron.parse("*/0 * * * *")).hasMessageContaining("minute: 0 is out of range");
        assertThatThrownBy(() -> Cron.parse("0 0 31 2 *")).hasMessage("never matches a date");
        assertThatThrownBy(() -> Cron.parse("0 0 L * *")).hasMessageContaining("day-of-month: 'L' is not a number");
    }

    private static List<String> ticks(String expression, ZoneId zone, String after, int n) {
        Cron cron = Cron.parse(expression);
        List<String> ticks = new ArrayList<>();
        Instant t = Instant.parse(after);
        for (int i = 0; i < n; i++) {
            t = cron.next(t, zone);
            ticks.add(t.toString());
        }
        return ticks;
    }
}
