package io.forkyard.worker.pool;

import io.forkyard.worker.WorkerConfig;
import io.forkyard.worker.WorkerIdentity;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;

/** Creates the worker's child pool at start-up from {@code forkyard.worker.pool.*}. */
@ApplicationScoped
public class PoolProducer {

    @Produces
    @Singleton
    @Startup
    ChildPool pool(WorkerConfig config, WorkerIdentity identity) {
        WorkerConfig.Pool p = config.pool();
        int size = p.size() > 0 ? p.size() : Runtime.getRuntime().availableProcessors();
        List<String> jvmOptions = p.childJvmOptions()
                .map(s -> Arrays.stream(s.trim().split("\\s+"))
                        .filter(o -> !o.isEmpty())
                        .toList())
                .orElse(List.of());
        ChildLauncher launcher =
                ChildLauncher.javaChild(p.childHeap(), jvmOptions, identity.id(), List.of(), p.classDataSharing());
        ChildPool.Settings settings = new ChildPool.Settings(
                size,
                p.recycleAfterJobs(),
                p.maxFrameBytes(),
                p.maxStderrBytes(),
                p.stderrTailBytes(),
                p.startTimeout());
        return new ChildPool(launcher, settings).start();
    }

    void close(@Disposes ChildPool pool) {
        pool.close();
    }
}
