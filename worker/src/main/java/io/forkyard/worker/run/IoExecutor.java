package io.forkyard.worker.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where I/O-bound jobs run: one virtual thread per job on a Java 21+ runtime, a cached pool of
 * daemon platform threads on Java 17 (the bytecode level this project is built for). Looked up at
 * run time so the same jar uses virtual threads wherever the JVM has them.
 */
final class IoExecutor {

    private IoExecutor() {}

    static ExecutorService create() {
        try {
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(
                            Executors.class,
                            "newVirtualThreadPerTaskExecutor",
                            MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (Throwable noVirtualThreads) {
            return Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "io-job");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Whether this runtime gives I/O jobs virtual threads. */
    static boolean virtual() {
        return Runtime.version().feature() >= 21;
    }
}
