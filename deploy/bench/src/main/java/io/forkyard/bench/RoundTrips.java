package io.forkyard.bench;

import com.sun.tools.attach.VirtualMachine;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The round trips a run cost (issue 22, "The wake-ups"): the requests the broker served, by type
 * (its {@code kafka.network:type=RequestMetrics,name=RequestsPerSec} meters, read over JMX from the
 * broker's JVM through the attach API), and the transactions the system's database committed or
 * rolled back ({@code pg_stat_database}; one autocommit statement is one transaction). Requests
 * of the broker's own controller and share-state machinery are counted like a client's: they are
 * what the broker spends per job too.
 */
final class RoundTrips implements AutoCloseable {

    private static final String REQUESTS = "kafka.network:type=RequestMetrics,name=RequestsPerSec,*";

    private final JMXConnector jmx;
    private final MBeanServerConnection broker;
    private final Connection database;

    private RoundTrips(JMXConnector jmx, Connection database) throws Exception {
        this.jmx = jmx;
        this.broker = jmx == null ? null : jmx.getMBeanServerConnection();
        this.database = database;
    }

    /**
     * Reads the broker with that pid (none: 0) and the database of that JDBC URL. A part that can't
     * be read is left out, with a line saying why.
     */
    static RoundTrips open(long brokerPid, String jdbcUrl, String user, String password) throws Exception {
        JMXConnector jmx = null;
        if (brokerPid > 0) {
            try {
                VirtualMachine vm = VirtualMachine.attach(Long.toString(brokerPid));
                try {
                    jmx = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
                } finally {
                    vm.detach();
                }
            } catch (Exception e) {
                System.out.println("  (broker requests not counted: " + e + ")");
            }
        }
        return new RoundTrips(jmx, DriverManager.getConnection(jdbcUrl, user, password));
    }

    /** Counters so far: "kafka <request>" per request type, and "db transactions". */
    Map<String, Long> sample() throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        if (broker != null) {
            for (ObjectName name : broker.queryNames(new ObjectName(REQUESTS), null)) {
                String request = name.getKeyProperty("request");
                Object count = broker.getAttribute(name, "Count");
                if (request != null && count instanceof Number n) {
                    counts.merge("kafka " + request, n.longValue(), Long::sum);
                }
            }
        }
        try (Statement s = database.createStatement()) {
            // Statistics a backend has not reported yet are flushed at its next idle moment: read
            // what is reported, after this backend's own report of the previous sample.
            try (ResultSet rs = s.executeQuery(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")) {
                rs.next();
                counts.put("db transactions", rs.getLong(1));
            }
        }
        return counts;
    }

    /**
     * "round trips per job: db transactions 4.1, kafka Produce 2.0, ..." over {@code units} (jobs,
     * or seconds for an idle system), largest first, leaving out counters that moved by less than
     * 0.05 a unit.
     */
    static String per(String unit, Map<String, Long> before, Map<String, Long> after, double units) {
        StringJoiner parts = new StringJoiner(", ", "round trips per " + unit + ": ", "");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / units))
                .filter(e -> e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> parts.add(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue())));
        return parts.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            database.close();
        } finally {
            if (jmx != null) {
                jmx.close();
            }
        }
    }
}
