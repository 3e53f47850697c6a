package io.forkyard.worker.handler;

import io.forkyard.job.FailureCode;
import io.forkyard.worker.child.JobFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RFC 4180 records from a string, one at a time: fields separated by commas, records by CRLF,
 * LF or a lone CR; a field in double quotes may hold commas, line breaks and doubled quotes ({@code
 * ""} for one {@code "}).
 *
 * <p>Leniencies, on purpose: a quote inside an unquoted field is taken literally ({@code 5"}); an
 * empty line is skipped rather than read as a record of one empty field (write {@code ""} for
 * that); the last record needs no line break. Malformed input, a quoted field that is never closed
 * or text after a closing quote, fails with {@code INVALID_INPUT} naming the record and the line it
 * starts on.
 */
final class CsvRecords {

    private final String text;
    private int position;
    private int line = 1;
    private int record;
    private int recordLine;

    CsvRecords(String text) {
        this.text = text;
    }

    /** The next record's fields, or {@code null} after the last one. */
    List<String> next() throws JobFailure {
        while (position < text.length() && isLineBreak(text.charAt(position))) {
            skipLineBreak();
        }
        if (position >= text.length()) {
            return null;
        }
        record++;
        recordLine = line;
        List<String> fields = new ArrayList<>();
        while (true) {
            fields.add(position < text.length() && text.charAt(position) == '"' ? quoted() : unquoted());
            if (position >= text.length()) {
                return fields;
            }
            if (text.charAt(position) == ',') {
                position++;
            } else {
                skipLineBreak();
                return fields;
            }
        }
    }

    /** 1-based number of the record last returned, the header being record 1. */
    int record() {
        return record;
    }

    /** Where the record last returned starts, as "record 3 (line 4)". */
    String where() {
        return "record " + record + " (line " + recordLine + ")";
    }

    /** Characters read so far, for progress. */
    int position() {
        return position;
    }

    private String unquoted() {
        int start = position;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == ',' || isLineBreak(c)) {
                break;
            }
            position++;
        }
        return text.substring(start, position);
    }

    private String quoted() throws JobFailure {
        StringBuilder field = new StringBuilder();
        position++; // the opening quote
        while (true) {
            int quote = text.indexOf('"', position);
            if (quote < 0) {
                throw malformed("a quoted field is never closed");
            }
            countLines(position, quote);
            field.append(text, position, quote);
            position = quote + 1;
            if (position < text.length() && text.charAt(position) == '"') {
                field.append('"');
                position++;
            } else {
                break;
            }
        }
        if (position < text.length() && text.charAt(position) != ',' && !isLineBreak(text.charAt(position))) {
            throw malformed("unexpected '" + text.charAt(position) + "' after a closing quote");
        }
        return field.toString();
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
    }

    private void skipLineBreak() {
        if (text.charAt(position) == '\r') {
            position++;
            if (position < text.length() && text.charAt(position) == '\n') {
                position++;
            }
        } else {
            position++;
        }
        line++;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r';
    }

    JobFailure malformed(String why) {
        return new JobFailure(FailureCode.INVALID_INPUT, "input.csv: " + where() + ": " + why);
    }
}
