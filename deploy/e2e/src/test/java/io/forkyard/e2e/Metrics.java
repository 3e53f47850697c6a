package io.forkyard.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads samples from an application's Prometheus endpoint, {@code /q/metrics}. */
final class Metrics {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final AppProcess app;

    Metrics(AppProcess app) {
        this.app = app;
    }

    /** A sample's value, e.g. {@code forkyard_worker_buffered}; 0 when it is not there yet. */
    double value(String sample) throws Exception {
        return scrape(app)
                .lines()
                .filter(line -> line.startsWith(sample + " ") || line.startsWith(sample + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** The app's whole {@code /q/metrics} page (Prometheus text format). */
    static String scrape(AppProcess app) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(app.baseUrl() + "/q/metrics"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
