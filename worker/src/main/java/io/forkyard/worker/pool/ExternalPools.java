package io.forkyard.worker.pool;

import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One child pool per external job type ({@code forkyard.worker.external-types}): children that are
 * any executable speaking the protocol, such as {@code worker/children/word_count.py}. Same pool,
 * limits and supervision as the Java children.
 */
@ApplicationScoped
@Startup
public class ExternalPools {

    @Inject
    WorkerConfig config;

    @Inject
    WorkerIdentity identity;

    private final Map<String, ChildPool> pools = new TreeMap<>();

    @jakarta.annotation.PostConstruct
    void start() {
        WorkerConfig.Pool limits = config.pool();
        config.externalTypes()
                .forEach((type, external) -> pools.put(
                        type,
                        new ChildPool(
                                        ChildLauncher.executable(external.command(), identity.id()),
                                        new ChildPool.Settings(
                                                external.poolSize(),
                                                limits.recycleAfterJobs(),
                                                limits.maxFrameBytes(),
                                                limits.maxStderrBytes(),
                                                limits.stderrTailBytes(),
                                                limits.startTimeout()))
                                .start()));
    }

    /** The names of the external types this worker serves. */
    public Set<String> types() {
        return pools.keySet();
    }

    /** The pool of an external type, if this worker serves it. */
    public Optional<ChildPool> pool(String type) {
        return Optional.ofNullable(pools.get(type));
    }

    @PreDestroy
    void close() {
        pools.values().forEach(ChildPool::close);
    }
}
