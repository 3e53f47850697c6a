package io.forkyard.jobtype;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** Every job type on the classpath, found through {@link ServiceLoader}, by name. */
public final class JobTypeCatalogue {

    private static final JobTypeCatalogue INSTANCE = load();

    private final Map<String, JobType> byName;

    private JobTypeCatalogue(Map<String, JobType> byName) {
        this.byName = Map.copyOf(byName);
    }

    public static JobTypeCatalogue instance() {
        return INSTANCE;
    }

    public Optional<JobType> find(String name) {
        return Optional.ofNullable(name).map(byName::get);
    }

    public Set<String> names() {
        return new java.util.TreeSet<>(byName.keySet());
    }

    private static JobTypeCatalogue load() {
        Map<String, JobType> types = new TreeMap<>();
        for (JobType type : ServiceLoader.load(JobType.class, JobTypeCatalogue.class.getClassLoader())) {
            JobType previous = types.put(type.name(), type);
            if (previous != null) {
                throw new IllegalStateException("two job types named " + type.name());
            }
        }
        return new JobTypeCatalogue(types);
    }
}
