package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.job.FailureCode;
import io.forkyard.jobtype.CsvStatsType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;
import io.forkyard.worker.child.JobFailure;
import java.util.List;

/**
 * {@code csv-stats}: one pass over the CSV ({@link CsvRecords}), one {@link ColumnStats} per header
 * field; rows are never kept. A row shorter than the header counts its missing cells as nulls; a
 * longer one is malformed. {@code rows} counts the records after the header (empty lines are not
 * records). Progress is reported every 5% of the text.
 */
public final class CsvStatsHandler implements ChildHandler {

    private static final int PROGRESS_STEP_PERCENT = 5;

    @Override
    public String type() {
        return CsvStatsType.NAME;
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) throws Exception {
        JsonNode csvNode = input.path("csv");
        if (!csvNode.isTextual()) {
            throw new JobFailure(FailureCode.INVALID_INPUT, "input.csv: must be a string");
        }
        String csv = csvNode.asText();
        CsvRecords records = new CsvRecords(csv);
        List<String> header = records.next();
        if (header == null) {
            throw new JobFailure(FailureCode.INVALID_INPUT, "input.csv: must have a header row");
        }
        ColumnStats[] columns = header.stream().map(ColumnStats::new).toArray(ColumnStats[]::new);
        long rows = 0;
        int nextReport = PROGRESS_STEP_PERCENT;
        List<String> cells;
        while ((cells = records.next()) != null) {
            if (cells.size() > columns.length) {
                throw records.malformed(cells.size() + " fields, but the header has " + columns.length);
            }
            for (int i = 0; i < columns.length; i++) {
                if (i < cells.size()) {
                    columns[i].add(cells.get(i));
                } else {
                    columns[i].addNull();
                }
            }
            rows++;
            int percent = (int) ((long) records.position() * 100 / csv.length());
            if (percent >= nextReport) {
                progress.report(percent, rows + " rows read");
                nextReport = percent - percent % PROGRESS_STEP_PERCENT + PROGRESS_STEP_PERCENT;
            }
        }
        ObjectNode result = Json.MAPPER.createObjectNode().put("rows", rows);
        ArrayNode columnsJson = result.putArray("columns");
        for (ColumnStats column : columns) {
            columnsJson.add(column.toJson());
        }
        return result;
    }
}
