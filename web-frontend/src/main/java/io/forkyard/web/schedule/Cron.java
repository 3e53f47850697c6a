package io.forkyard.web.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * A cron expression (README "Schedules"): five fields ({@code minute hour day-of-month month
 * day-of-week}) or six with seconds first. Each field is {@code *}, a number, a range {@code a-b}, a
 * step {@code * /n} or {@code a-b/n} (or {@code a/n}: from a to the end), or a comma-separated list of
 * these; months may be {@code JAN}–{@code DEC}, days of the week {@code SUN}–{@code SAT} or 0–7 (0 and
 * 7 are Sunday); {@code ?} is {@code *} in the day fields. When both day fields are restricted, a day
 * matching either runs (as classic cron does).
 *
 * <p>Times are wall-clock times in the schedule's zone. A time that a daylight-saving jump skips
 * runs at the moment after the jump, shifted by the gap (02:30 becomes 03:30); a time that occurs
 * twice runs once, the first time.
 */
public final class Cron {

    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    /** Far enough for any expression that matches at all (29 February on a Monday recurs within 28 years). */
    private static final int SEARCH_YEARS = 30;

    private final String expression;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek; // 0 = Sunday
    private final boolean anyDayOfMonth;
    private final boolean anyDayOfWeek;

    private Cron(String expression, String[] f) {
        this.expression = expression;
        boolean withSeconds = f.length == 6;
        int i = withSeconds ? 1 : 0;
        seconds = withSeconds ? field(f[0], "second", 0, 59, null) : bits(0);
        minutes = field(f[i], "minute", 0, 59, null);
        hours = field(f[i + 1], "hour", 0, 23, null);
        anyDayOfMonth = isAny(f[i + 2]);
        daysOfMonth = field(any(f[i + 2]), "day-of-month", 1, 31, null);
        months = field(f[i + 3], "month", 1, 12, MONTHS);
        anyDayOfWeek = isAny(f[i + 4]);
        BitSet dow = field(any(f[i + 4]), "day-of-week", 0, 7, DAYS);
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        daysOfWeek = dow;
    }

    /** Parses {@code expression}; a wrong one throws {@link IllegalArgumentException} saying what is wrong. */
    public static Cron parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        String[] fields = expression.trim().split("\\s+");
        if (fields.length != 5 && fields.length != 6) {
            throw new IllegalArgumentException("has " + fields.length
                    + " fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds"
                    + " first)");
        }
        Cron cron = new Cron(expression.trim(), fields);
        if (cron.next(Instant.EPOCH, ZoneId.of("UTC")) == null) {
            throw new IllegalArgumentException("never matches a date");
        }
        return cron;
    }

    public String expression() {
        return expression;
    }

    /**
     * The first tick strictly after {@code after} in {@code zone}, or null if there is none within
     * {@value #SEARCH_YEARS} years.
     */
    public Instant next(Instant after, ZoneId zone) {
        LocalDateTime t = LocalDateTime.ofInstant(after, zone)
                .truncatedTo(ChronoUnit.SECONDS)
                .plusSeconds(1);
        LocalDateTime end = t.plusYears(SEARCH_YEARS);
        while (t.isBefore(end)) {
            if (!months.get(t.getMonthValue())) {
                t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
            } else if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            } else if (!seconds.get(t.getSecond())) {
                t = t.plusSeconds(1);
            } else {
                Instant tick = ZonedDateTime.ofLocal(t, zone, null).toInstant();
                if (tick.isAfter(after)) {
                    return tick;
                }
                // the second pass of a repeated hour: this wall-clock time already ran
                t = t.plusSeconds(1);
            }
        }
        return null;
    }

    private boolean dayMatches(LocalDate date) {
        boolean dom = daysOfMonth.get(date.getDayOfMonth());
        boolean dow = daysOfWeek.get(
                date.getDayOfWeek() == DayOfWeek.SUNDAY
                        ? 0
                        : date.getDayOfWeek().getValue());
        if (anyDayOfMonth || anyDayOfWeek) {
            return dom && dow;
        }
        return dom || dow;
    }

    private static boolean isAny(String field) {
        return field.equals("*") || field.equals("?");
    }

    private static String any(String field) {
        return field.equals("?") ? "*" : field;
    }

    private static BitSet bits(int bit) {
        BitSet b = new BitSet();
        b.set(bit);
        return b;
    }

    private static BitSet field(String text, String name, int min, int max, List<String> names) {
        BitSet set = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), name, 1, max, null);
                range = part.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else {
                int dash = range.indexOf('-', 1);
                from = number(dash < 0 ? range : range.substring(0, dash), name, min, max, names);
                to = dash < 0 ? (slash >= 0 ? max : from) : number(range.substring(dash + 1), name, min, max, names);
                if (to < from) {
                    throw new IllegalArgumentException(name + ": range " + range + " runs backwards");
                }
            }
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int number(String text, String name, int min, int max, List<String> names) {
        if (names != null) {
            int named = names.indexOf(text.toUpperCase(Locale.ROOT));
            if (named >= 0) {
                return names.size() == 12 ? named + 1 : named;
            }
        }
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' is not a number"
                    + (names == null ? "" : " or a name (" + String.join(", ", names) + ")"));
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " is out of range " + min + "-" + max);
        }
        return value;
    }

    @Override
    public String toString() {
        return expression;
    }
}
