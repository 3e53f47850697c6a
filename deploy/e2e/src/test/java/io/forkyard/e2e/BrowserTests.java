package io.forkyard.e2e;

import java.lang.reflect.Parameter;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension of the browser tests ({@code @ExtendWith(BrowserTests.class)}): a test method
 * (or constructor, or lifecycle method) declares a {@link BrowserSystem} parameter for the one
 * system shared by the whole run, and a {@link Browser} parameter for a fresh Chromium of its own
 * on that system, quit after the test. When a test fails, the page it was on is saved as {@code
 * target/screenshots/FAILED-<class>-<method>.png}.
 */
final class BrowserTests implements ParameterResolver, AfterTestExecutionCallback {

    /**
     * The resource lock of every browser test class ({@code @ResourceLock(BrowserTests.SYSTEM)}): the
     * end-to-end tests run two classes at a time, but never two on the shared system at once.
     */
    static final String SYSTEM = "forkyard-browser-system";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BrowserTests.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == BrowserSystem.class || type == Browser.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Parameter p = parameter.getParameter();
        BrowserSystem system = system(context);
        if (p.getType() == BrowserSystem.class) {
            return system;
        }
        // One browser per test (or per class, when asked for by a constructor or @BeforeAll).
        return context.getStore(NAMESPACE).computeIfAbsent(Browser.class, k -> newBrowser(system), Browser.class);
    }

    @Override
    public void afterTestExecution(ExtensionContext context) throws Exception {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        Browser browser = context.getStore(NAMESPACE).get(Browser.class, Browser.class);
        if (browser != null) {
            browser.screenshot("FAILED-" + context.getRequiredTestClass().getSimpleName() + "-"
                    + context.getRequiredTestMethod().getName());
        }
    }

    /** The run's system, started on first use and closed by JUnit when the run's root context closes. */
    static BrowserSystem system(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .computeIfAbsent(BrowserSystem.class, k -> startSystem(), BrowserSystem.class);
    }

    private static BrowserSystem startSystem() {
        try {
            return BrowserSystem.start();
        } catch (Exception e) {
            throw new ParameterResolutionException("the browser tests' system did not start", e);
        }
    }

    private static Browser newBrowser(BrowserSystem system) {
        try {
            return system.newBrowser();
        } catch (Exception e) {
            throw new ParameterResolutionException("Chromium did not start", e);
        }
    }
}
