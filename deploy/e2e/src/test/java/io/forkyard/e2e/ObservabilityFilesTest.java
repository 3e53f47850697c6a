package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dashboard and alert files parse and name metrics; the check against a page can fail. */
class ObservabilityFilesTest {

    @Test
    void dashboardAndAlertsParseAndNameTheMetricsOperatorsWatch() throws Exception {
        List<String> exprs = ObservabilityFiles.expressions();
        assertThat(exprs)
                .hasSizeGreaterThanOrEqualTo(15)
                .allSatisfy(e -> assertThat(e).isNotBlank());
        assertThat(ObservabilityFiles.referencedMetrics())
                .contains(
                        "forkyard_jobs_submitted_total",
                        "forkyard_jobs_finished_total",
                        "forkyard_queue_depth",
                        "forkyard_queue_oldest_age_seconds",
                        "forkyard_job_latency_seconds_bucket",
                        "forkyard_job_claim_to_start_seconds_bucket",
                        "forkyard_child_restarts_total",
                        "forkyard_pool_slots",
                        "forkyard_dispatch_backlog");
    }

    @Test
    void aNameThePageDoesNotServeIsReportedMissing() {
        String page = """
                # HELP forkyard_queue_depth Jobs QUEUED whose time has come, per queue
                # TYPE forkyard_queue_depth gauge
                forkyard_queue_depth{queue="default"} 3.0
                forkyard_jobs_submitted_total{type="sha256"} 20.0
                """;
        Set<String> names = ObservabilityFiles.metricsIn(List.of(
                "max by (queue) (forkyard_queue_depth) > 0",
                "rate(forkyard_jobs_submitted_total[5m]) / rate(forkyard_no_such_metric_total[5m])",
                "forkyard_queue"));
        assertThat(names)
                .containsExactly(
                        "forkyard_jobs_submitted_total",
                        "forkyard_no_such_metric_total",
                        "forkyard_queue",
                        "forkyard_queue_depth");
        assertThat(ObservabilityFiles.missingFrom(page, names))
                .containsExactly("forkyard_no_such_metric_total", "forkyard_queue");
    }
}
