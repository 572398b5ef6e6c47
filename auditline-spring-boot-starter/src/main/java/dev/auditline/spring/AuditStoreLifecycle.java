package dev.auditline.spring;

import dev.auditline.client.AuditStore;
import dev.auditline.client.CloseReport;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the store during the application's shutdown phases and logs its {@link CloseReport}.
 *
 * <p>The phase is below the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and its
 * stop ({@code DEFAULT_PHASE - 2048}): lifecycles stop from the highest phase down, so requests in
 * progress finish and record their events before intake closes, and the store is closed before
 * singletons are destroyed (data sources, the meter registry) while its close can still be observed.
 * {@link #destroy()} closes it too when the context goes away without stopping its lifecycles (a
 * failed refresh); closing twice returns the first report.
 */
final class AuditStoreLifecycle implements SmartLifecycle, DisposableBean {
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(AuditStore.DEFAULT_CLOSE_TIMEOUT_SECONDS);
    private static final Logger LOG = LoggerFactory.getLogger(AuditStoreLifecycle.class);

    private final AuditStore store;
    private final Duration closeTimeout;
    private final Object lock = new Object();
    private boolean running;
    private CloseReport report;

    AuditStoreLifecycle(AuditStore store, Duration closeTimeout) {
        this.store = store;
        this.closeTimeout = closeTimeout;
    }

    @Override
    public void start() {
        synchronized (lock) {
            running = report == null;
        }
    }

    @Override
    public void stop() {
        close();
    }

    @Override
    public void destroy() {
        close();
    }

    @Override
    public boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The close report, or {@code null} before the store was closed. */
    CloseReport report() {
        synchronized (lock) {
            return report;
        }
    }

    private void close() {
        synchronized (lock) {
            running = false;
            if (report != null) {
                return;
            }
            report = store.close(closeTimeout);
        }
        Map<String, Long> dropped = new TreeMap<>();
        report.droppedByReason().forEach((reason, n) -> {
            if (n > 0) {
                dropped.put(reason.tagValue(), n);
            }
        });
        String line = "Audit store closed in {} ms: enqueued={}, sent={}, rejected={}, spooled={}, dropped={} {}{}";
        Object[] args = {
            report.elapsed().toMillis(),
            report.enqueued(),
            report.sent(),
            report.rejected(),
            report.spooled(),
            report.dropped(),
            dropped,
            report.timedOut() ? ", timed out after " + closeTimeout.toMillis() + " ms" : ""
        };
        if (report.dropped() > 0 || report.timedOut()) {
            LOG.warn(line, args);
        } else {
            LOG.info(line, args);
        }
    }
}
