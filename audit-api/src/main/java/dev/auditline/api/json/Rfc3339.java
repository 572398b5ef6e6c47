package dev.auditline.api.json;

import java.time.Instant;

/**
 * Parses the timestamps of the wire format: RFC 3339 {@code date-time} with an offset, exactly
 * {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z} or {@code …±HH:MM}; {@code T} and {@code Z} in either
 * case, one to nine fractional digits, years 0000-9999, offsets within ±18:00, no leap second.
 * Hand-written because it runs once per ingested event: {@code OffsetDateTime.parse} builds a
 * parse context and a map of fields for each call.
 *
 * <p>A refusal says which rule the text breaks ({@code month must be 01-12 (got 13)}).
 */
final class Rfc3339 {
    private static final int MAX_OFFSET_MINUTES = 18 * 60;

    private Rfc3339() {}

    /** Why a text was refused: the rule it breaks. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String rule) {
            super(rule, null, false, false);
        }
    }

    /** The instant, truncated to microseconds. */
    static Instant parse(String s) throws Refused {
        int n = s.length();
        if (n < 19) {
            throw new Refused("too short: expected YYYY-MM-DDTHH:MM:SS and an offset");
        }
        int year = digits(s, 0, 4, "year");
        expect(s, 4, '-', "'-' after the year");
        int month = digits(s, 5, 2, "month");
        expect(s, 7, '-', "'-' after the month");
        int day = digits(s, 8, 2, "day");
        char t = s.charAt(10);
        if (t != 'T' && t != 't') {
            throw new Refused("'T' must separate date and time (at index 10)");
        }
        int hour = digits(s, 11, 2, "hour");
        expect(s, 13, ':', "':' after the hour");
        int minute = digits(s, 14, 2, "minute");
        expect(s, 16, ':', "':' after the minute (seconds are required)");
        int second = digits(s, 17, 2, "second");
        int at = 19;
        int nanos = 0;
        if (at < n && s.charAt(at) == '.') {
            int start = ++at;
            while (at < n && isDigit(s.charAt(at))) {
                if (at - start == 9) {
                    throw new Refused("at most nine fractional digits (nanoseconds)");
                }
                nanos = nanos * 10 + (s.charAt(at) - '0');
                at++;
            }
            if (at == start) {
                throw new Refused("at least one digit after the '.'");
            }
            for (int i = at - start; i < 9; i++) {
                nanos *= 10;
            }
        }
        if (at >= n) {
            throw new Refused("an offset is required: Z or ±HH:MM");
        }
        int offsetMinutes;
        char o = s.charAt(at);
        if (o == 'Z' || o == 'z') {
            offsetMinutes = 0;
            at++;
        } else if (o == '+' || o == '-') {
            if (n - at != 6) {
                throw new Refused("the offset must be ±HH:MM");
            }
            int oh = digits(s, at + 1, 2, "offset hour");
            expect(s, at + 3, ':', "':' in the offset");
            int om = digits(s, at + 4, 2, "offset minute");
            if (om > 59) {
                throw new Refused("offset minute must be 00-59 (got " + om + ")");
            }
            offsetMinutes = oh * 60 + om;
            if (offsetMinutes > MAX_OFFSET_MINUTES) {
                throw new Refused("the offset must be within ±18:00");
            }
            if (o == '-') {
                offsetMinutes = -offsetMinutes;
            }
            at += 6;
        } else {
            throw new Refused("an offset is required: Z or ±HH:MM (at index " + at + ")");
        }
        if (at != n) {
            throw new Refused("nothing may follow the offset");
        }
        if (month < 1 || month > 12) {
            throw new Refused("month must be 01-12 (got " + two(month) + ")");
        }
        int days = daysInMonth(year, month);
        if (day < 1 || day > days) {
            throw new Refused("day must be 01-" + days + " in " + year + "-" + two(month) + " (got " + two(day) + ")");
        }
        if (hour > 23) {
            throw new Refused("hour must be 00-23 (got " + two(hour) + ")");
        }
        if (minute > 59) {
            throw new Refused("minute must be 00-59 (got " + two(minute) + ")");
        }
        if (second > 59) {
            throw new Refused("second must be 00-59, leap seconds are not accepted (got " + two(second) + ")");
        }
        long epochSecond =
                epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetMinutes * 60L;
        return Instant.ofEpochSecond(epochSecond, nanos - nanos % 1000);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int digits(String s, int from, int count, String field) throws Refused {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            if (i >= s.length() || !isDigit(s.charAt(i))) {
                throw new Refused(field + " must be " + count + " digits (at index " + from + ")");
            }
            value = value * 10 + (s.charAt(i) - '0');
        }
        return value;
    }

    private static void expect(String s, int at, char c, String what) throws Refused {
        if (s.charAt(at) != c) {
            throw new Refused("expected " + what + " (at index " + at + ")");
        }
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    private static boolean leap(int year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> leap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse). */
    private static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }
}
