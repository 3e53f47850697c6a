package io.forkyard.broker;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Command-line settings of {@link BrokerMain} and the server.properties derived from them. */
record BrokerSettings(Path dataDir, int port, int controllerPort, boolean exitOnStdinClose) {

    static BrokerSettings parse(String[] args) {
        Path dataDir = null;
        int port = 9092;
        int controllerPort = 9093;
        boolean exitOnStdinClose = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> dataDir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[++i]);
                case "--exit-on-stdin-close" -> exitOnStdinClose = true;
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        return new BrokerSettings(dataDir.toAbsolutePath(), port, controllerPort, exitOnStdinClose);
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    Path logDir() {
        return dataDir.resolve("log");
    }

    Path writeProperties() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDir().toString());
        p.setProperty("num.partitions", "4");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "4");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("group.share.heartbeat.interval.ms", "1000");
        p.setProperty("group.share.min.heartbeat.interval.ms", "1000");
        p.setProperty("group.share.session.timeout.ms", "15000");
        p.setProperty("group.share.min.session.timeout.ms", "6000");
        // Only the lower bound: the lock stays 30 s unless a group sets share.record.lock.duration.ms
        // (the worker tests set 3 s to prove that a running job's record is renewed, not redelivered).
        p.setProperty("group.share.min.record.lock.duration.ms", "1000");
        Path file = dataDir.resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, "written by io.forkyard.broker.BrokerMain");
        }
        return file;
    }
}
