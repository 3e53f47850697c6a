package io.forkyard.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.FailureCode;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.JobFailure;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CsvStatsHandlerTest {

    private static final MathContext PRECISE = MathContext.DECIMAL128;

    @Test
    void statisticsOfGeneratedColumnsMatchAnIndependentComputation() throws Exception {
        Random random = new Random(42);
        int n = 2000;
        List<String> prices = new ArrayList<>();
        List<String> quantities = new ArrayList<>();
        StringBuilder csv = new StringBuilder("id,price,qty\n");
        for (int i = 1; i <= n; i++) {
            String price = String.valueOf(1000 + random.nextGaussian() * 50);
            String qty = random.nextInt(10) == 0 ? "" : String.valueOf(random.nextInt(20) - 5);
            prices.add(price);
            quantities.add(qty);
            csv.append(i).append(',').append(price).append(',').append(qty).append('\n');
        }

        JsonNode result = run(csv.toString());

        assertThat(result.get("rows").asLong()).isEqualTo(n);
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add(String.valueOf(i));
        }
        assertMatches(column(result, "id"), ids);
        assertMatches(column(result, "price"), prices);
        assertMatches(column(result, "qty"), quantities);
    }

    @Test
    void meanAndStddevStayAccurateForLargeValuesCloseTogether() throws Exception {
        JsonNode x = column(run("x\n1000000004\n1000000007\n1000000013\n1000000016\n"), "x");

        assertThat(x.get("mean").asDouble()).isCloseTo(1_000_000_010.0, within(1e-9));
        assertThat(x.get("stddev").asDouble()).isCloseTo(Math.sqrt(30), within(1e-9));
    }

    @Test
    void quotedFieldsMayHoldCommasLineBreaksAndDoubledQuotes() throws Exception {
        String csv = "name,note,n\r\n\"Smith, J\",\"line one\r\nline two\",\"1\"\r\n\"say \"\"hi\"\"\",plain,2\r\n";

        JsonNode result = run(csv);
        CsvRecords records = new CsvRecords(csv);
        records.next();

        assertThat(records.next()).containsExactly("Smith, J", "line one\r\nline two", "1");
        assertThat(records.next()).containsExactly("say \"hi\"", "plain", "2");
        assertThat(records.next()).isNull();
        assertThat(result.get("rows").asLong()).isEqualTo(2);
        assertThat(column(result, "note").get("distinct").asLong()).isEqualTo(2);
        assertThat(column(result, "n").get("mean").asDouble()).isEqualTo(1.5);
    }

    @Test
    void emptyCellsAndCellsMissingFromShortRowsCountAsNulls() throws Exception {
        JsonNode result = run("a,b,c\n1,,x\n2\n,5,\n3,  ,y");

        assertThat(result.get("rows").asLong()).isEqualTo(4);
        assertCounts(column(result, "a"), 3, 1, 3);
        assertCounts(column(result, "b"), 1, 3, 1);
        assertCounts(column(result, "c"), 2, 2, 2);
        assertThat(column(result, "b").get("mean").asDouble()).isEqualTo(5.0);
        assertThat(column(result, "b").get("stddev").isNull()).isTrue();
    }

    @Test
    void aColumnWithAnyValueThatIsNotAFiniteNumberHasNullNumericStats() throws Exception {
        for (String notANumber : List.of("abc", "NaN", "Infinity", "1e999", "0x10", "1d", "1,5")) {
            JsonNode v = column(run("v\n1\n2\n\"" + notANumber + "\"\n2\n"), "v");

            assertThat(v.get("count").asLong()).as(notANumber).isEqualTo(4);
            assertThat(v.get("distinct").asLong()).as(notANumber).isEqualTo(3);
            for (String stat : List.of("min", "max", "mean", "stddev")) {
                assertThat(v.get(stat).isNull()).as(notANumber + " " + stat).isTrue();
            }
        }
    }

    @Test
    void distinctCountsDifferentNonEmptyValuesOnly() throws Exception {
        JsonNode fruit = column(run("fruit\napple\npear\napple\n\nApple\n\"\"\npear\n"), "fruit");

        assertThat(fruit.get("distinct").asLong()).isEqualTo(3);
        assertThat(fruit.get("count").asLong()).isEqualTo(5);
        assertThat(fruit.get("nulls").asLong()).isEqualTo(1);
    }

    @Test
    void blankLinesAreSkippedAndCrLfWorksLikeLf() throws Exception {
        JsonNode result = run("a\r\n1\r\n\r\n\n3\r\n\r\n");

        assertThat(result.get("rows").asLong()).isEqualTo(2);
        assertThat(column(result, "a").get("mean").asDouble()).isEqualTo(2.0);
    }

    @Test
    void aHeaderWithoutRowsGivesZeroCountsAndNullStats() throws Exception {
        JsonNode result = run("a,b\n");

        assertThat(result.get("rows").asLong()).isZero();
        assertThat(result.get("columns")).hasSize(2);
        assertCounts(column(result, "b"), 0, 0, 0);
        assertThat(column(result, "b").get("min").isNull()).isTrue();
    }

    @Test
    void malformedCsvFailsWithInvalidInputNamingTheRecord() {
        assertInvalidInput("a,b\n1,2\n3,\"never closed\n", "record 3 (line 3)");
        assertInvalidInput("a,b\n1,2,3\n", "record 2 (line 2): 3 fields, but the header has 2");
        assertInvalidInput("a,b\n\"x\ny\",1\n\"q\"z,2\n", "record 3 (line 4)");
        assertInvalidInput("", "header");
    }

    @Test
    void progressIsReportedThroughALargeInput() throws Exception {
        int n = 200_000;
        StringBuilder csv = new StringBuilder("k,v\n");
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < n; i++) {
            int v = (i * 7919) % 1000;
            sum = sum.add(BigDecimal.valueOf(v));
            csv.append("key").append(i % 500).append(',').append(v).append('\n');
        }
        List<Integer> percents = new ArrayList<>();

        JsonNode result = new CsvStatsHandler()
                .handle(Json.MAPPER.createObjectNode().put("csv", csv.toString()), (p, m) -> percents.add(p));

        assertThat(result.get("rows").asLong()).isEqualTo(n);
        assertThat(column(result, "k").get("distinct").asLong()).isEqualTo(500);
        assertThat(column(result, "v").get("mean").asDouble())
                .isCloseTo(sum.divide(BigDecimal.valueOf(n), PRECISE).doubleValue(), within(1e-9));
        assertThat(percents).hasSizeBetween(15, 21);
        assertThat(new TreeSet<>(percents)).hasSameSizeAs(percents);
        assertThat(percents).isSorted();
        assertThat(percents.get(percents.size() - 1)).isGreaterThanOrEqualTo(95);
    }

    /** Checks a column against statistics computed exactly, in decimal, from the cells. */
    private static void assertMatches(JsonNode column, List<String> cells) {
        List<BigDecimal> values = new ArrayList<>();
        for (String cell : cells) {
            if (!cell.isEmpty()) {
                values.add(new BigDecimal(cell));
            }
        }
        int n = values.size();
        BigDecimal mean =
                values.stream().reduce(BigDecimal.ZERO, BigDecimal::add).divide(BigDecimal.valueOf(n), PRECISE);
        BigDecimal squares = BigDecimal.ZERO;
        for (BigDecimal v : values) {
            squares = squares.add(v.subtract(mean).pow(2));
        }
        double stddev =
                squares.divide(BigDecimal.valueOf(n - 1), PRECISE).sqrt(PRECISE).doubleValue();

        assertCounts(
                column,
                n,
                cells.size() - n,
                new TreeSet<>(values.stream().map(BigDecimal::toString).toList()).size());
        assertClose(
                column.get("min"),
                values.stream().min(BigDecimal::compareTo).orElseThrow().doubleValue());
        assertClose(
                column.get("max"),
                values.stream().max(BigDecimal::compareTo).orElseThrow().doubleValue());
        assertClose(column.get("mean"), mean.doubleValue());
        assertClose(column.get("stddev"), stddev);
    }

    private static void assertClose(JsonNode actual, double expected) {
        assertThat(actual.isNumber()).isTrue();
        assertThat(actual.asDouble()).isCloseTo(expected, within(1e-9 * Math.max(1, Math.abs(expected))));
    }

    private static void assertCounts(JsonNode column, long count, long nulls, long distinct) {
        assertThat(column.get("count").asLong()).as("count").isEqualTo(count);
        assertThat(column.get("nulls").asLong()).as("nulls").isEqualTo(nulls);
        assertThat(column.get("distinct").asLong()).as("distinct").isEqualTo(distinct);
    }

    private static void assertInvalidInput(String csv, String messagePart) {
        assertThatThrownBy(() -> run(csv)).isInstanceOfSatisfying(JobFailure.class, f -> {
            assertThat(f.code()).isEqualTo(FailureCode.INVALID_INPUT);
            assertThat(f.retryable()).isFalse();
            assertThat(f.getMessage()).contains(messagePart);
        });
    }

    private static JsonNode run(String csv) throws Exception {
        return new CsvStatsHandler().handle(Json.MAPPER.createObjectNode().put("csv", csv), (p, m) -> {});
    }

    private static JsonNode column(JsonNode result, String name) {
        for (JsonNode column : result.get("columns")) {
            if (column.get("name").asText().equals(name)) {
                return column;
            }
        }
        throw new AssertionError("no column " + name + " in " + result);
    }
}
