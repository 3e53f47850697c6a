package io.forkyard.jobtype;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every job type on the classpath, found through {@link ServiceLoader}, by name, plus the external
 * types a deployment declares ({@link #withExternal}).
 */
public final class JobTypeCatalogue {

    private static final JobTypeCatalogue INSTANCE = load();

    private final Map<String, JobType> byName;

    private JobTypeCatalogue(Map<String, JobType> byName) {
        this.byName = Map.copyOf(byName);
    }

    public static JobTypeCatalogue instance() {
        return INSTANCE;
    }

    /** This catalogue plus an {@link ExternalJobType} per name; a name may not shadow a built-in type. */
    public JobTypeCatalogue withExternal(java.util.Collection<String> names) {
        Map<String, JobType> types = new TreeMap<>(byName);
        for (String name : names) {
            if (types.containsKey(name)) {
                throw new IllegalArgumentException("external job type '" + name + "' would shadow a built-in type");
            }
            types.put(name, new ExternalJobType(name));
        }
        return new JobTypeCatalogue(types);
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
