package dev.auditline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * A TCP proxy on 127.0.0.1 that sits between a client and a server in tests and injects network
 * faults on command: it passes bytes through, stalls, resets, delays or blackholes connections.
 *
 * <p>It exists so that the delivery guarantees can be proven against the faults they are meant to
 * survive ("one request stalled for 30 s while traffic continues", "the server vanishes
 * mid-stream") with a real client and a real server, without root, iptables or containers. Point
 * the client at {@link #url()} instead of the server.
 *
 * <p>Every command is thread-safe and takes effect at once. What each affects:
 *
 * <ul>
 *   <li>{@link #passThrough()}: forwards everything, on new and existing connections; releases
 *       whatever is held and clears the delay and pending {@code stallNext…} counts.
 *   <li>{@link #stall()} / {@link #stall(Duration)}: holds new connections (accepted, never
 *       connected on) and existing ones (their next chunk, either direction, is held), until
 *       {@link #release()} or the duration ends; then the held bytes are forwarded, nothing lost,
 *       even if the client gave up meanwhile (a late delivery, as on a real network).
 *   <li>{@link #stallNextConnections(int, Duration)} / {@link #stallNextRequests(int, Duration)}:
 *       holds only the next {@code count} new connections, or requests, while all other traffic
 *       passes. A request is the first bytes a client sends on a connection, or the first it sends
 *       after a response began to arrive (HTTP/1.1 without pipelining, as {@code java.net.http}
 *       sends), so a request on a reused keep-alive connection is caught too.
 *   <li>{@link #reset()}: closes every open connection with a TCP RST now, and every new one right
 *       after accepting it, until another mode is set. {@link #resetExisting()} resets the open
 *       ones only.
 *   <li>{@link #delay(Duration)}: adds latency before each forwarded chunk, both directions, on new
 *       and existing connections.
 *   <li>{@link #blackhole()}: new connections are accepted, read and discarded, and never answered
 *       (they stay that way after the mode changes); existing connections stop forwarding, as in a
 *       network partition, and resume without loss when the mode changes.
 * </ul>
 *
 * <p>{@link #startRoundRobin} puts one proxy in front of several servers, as a plain round-robin
 * load balancer does: each new connection goes to the next target in turn, with no health check
 * and no failover, so a connection assigned to a target that is down is reset, as it would be by a
 * balancer that has not noticed yet. The fault commands apply to every connection whatever its
 * target.
 *
 * <p>Plain blocking sockets, two daemon threads per connection: made for test traffic, not for
 * throughput. Not for production use.
 */
public final class FaultProxy implements AutoCloseable {

    /** How the proxy treats connections. */
    public enum Mode {
        /** Forward bytes both ways. */
        PASS,
        /** Hold new and existing connections without forwarding. */
        STALL,
        /** Close connections with a TCP RST. */
        RESET,
        /** Accept, read and discard; never answer. */
        BLACKHOLE
    }

    private static final String LOOPBACK = "127.0.0.1";
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final long FOREVER = Long.MAX_VALUE;

    private final List<InetSocketAddress> targets;
    private final AtomicLong nextTarget = new AtomicLong();
    private final AtomicLongArray connectionsPerTarget;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();

    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();
    private final AtomicLong bytesDiscarded = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicInteger heldNow = new AtomicInteger();
    private final AtomicLong heldTotal = new AtomicLong();

    /** Guards the control state below; {@link #changed} is signalled on every change of it. */
    private final ReentrantLock control = new ReentrantLock();

    private final Condition changed = control.newCondition();
    private Mode mode = Mode.PASS;
    /** {@link System#nanoTime()} at which a {@link Mode#STALL} ends by itself. */
    private long stallDeadline = FOREVER;

    private int stallNextConnections;
    private long connectionHoldNanos;
    private int stallNextRequests;
    private long requestHoldNanos;
    /** Incremented by every release; a hold ends when it sees a newer generation. */
    private long releaseGeneration;

    private boolean closed;
    private volatile long delayNanos;

    private FaultProxy(List<InetSocketAddress> targets) throws IOException {
        this.targets = List.copyOf(targets);
        this.connectionsPerTarget = new AtomicLongArray(targets.size());
        this.server = new ServerSocket(0, 200, InetAddress.getByName(LOOPBACK));
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy on 127.0.0.1, on a free port, in front of {@code host:port}, passing everything
     * through.
     */
    public static FaultProxy start(String host, int port) throws IOException {
        return start(new InetSocketAddress(host, port));
    }

    /** As {@link #start(String, int)}. */
    public static FaultProxy start(InetSocketAddress target) throws IOException {
        return startRoundRobin(List.of(Objects.requireNonNull(target, "target")));
    }

    /**
     * Starts a proxy on 127.0.0.1, on a free port, that sends each new connection to the next of
     * {@code targets} in turn (round robin, no health check, no failover).
     */
    public static FaultProxy startRoundRobin(List<InetSocketAddress> targets) throws IOException {
        Objects.requireNonNull(targets, "targets");
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets must not be empty");
        }
        for (InetSocketAddress target : targets) {
            Objects.requireNonNull(target, "target");
            if (target.isUnresolved()) {
                throw new IllegalArgumentException("target must be resolvable (got " + target + ")");
            }
        }
        return new FaultProxy(targets);
    }

    /** The port the proxy listens on, on 127.0.0.1. */
    public int port() {
        return server.getLocalPort();
    }

    /** The proxy's listening address. */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port());
    }

    /** {@code http://127.0.0.1:<port>}, to use as the client's server URL. */
    public String url() {
        return "http://" + LOOPBACK + ":" + port();
    }

    /** The server the proxy forwards to; the first one of a round-robin proxy. */
    public InetSocketAddress target() {
        return targets.get(0);
    }

    /** The servers the proxy forwards to, in round-robin order. */
    public List<InetSocketAddress> targets() {
        return targets;
    }

    /**
     * Connections assigned to {@code targets().get(index)} since start, whether the target
     * answered or not.
     */
    public long connectionsTo(int index) {
        return connectionsPerTarget.get(Objects.checkIndex(index, targets.size()));
    }

    /** The mode in force; a timed stall that has ended reads as {@link Mode#PASS}. */
    public Mode mode() {
        control.lock();
        try {
            return effectiveMode();
        } finally {
            control.unlock();
        }
    }

    /**
     * Forwards everything again, on new and existing connections: releases every held connection
     * and request, forgets pending {@code stallNext…} counts and removes the delay.
     */
    public void passThrough() {
        delayNanos = 0;
        control.lock();
        try {
            mode = Mode.PASS;
            stallDeadline = FOREVER;
            stallNextConnections = 0;
            stallNextRequests = 0;
            releaseGeneration++;
            changed.signalAll();
        } finally {
            control.unlock();
        }
    }

    /** Holds new and existing connections without forwarding until {@link #release()}. */
    public void stall() {
        setStall(FOREVER);
    }

    /**
     * Holds new and existing connections without forwarding for {@code duration} (or until {@link
     * #release()}), then forwards what they sent.
     */
    public void stall(Duration duration) {
        setStall(System.nanoTime() + positive(duration, "duration"));
    }

    private void setStall(long deadline) {
        control.lock();
        try {
            mode = Mode.STALL;
            stallDeadline = deadline;
            changed.signalAll();
        } finally {
            control.unlock();
        }
    }

    /**
     * Holds each of the next {@code count} new connections, before connecting on to the target, for
     * {@code maxHold} from its arrival or until {@link #release()}; other connections pass. Replaces
     * an earlier pending count.
     */
    public void stallNextConnections(int count, Duration maxHold) {
        long holdNanos = positive(maxHold, "maxHold");
        requireCount(count);
        control.lock();
        try {
            stallNextConnections = count;
            connectionHoldNanos = holdNanos;
        } finally {
            control.unlock();
        }
    }

    /**
     * Holds each of the next {@code count} requests, on new or reused connections, for {@code
     * maxHold} from its arrival or until {@link #release()}, while other connections pass. The
     * held request's connection forwards nothing meanwhile. Replaces an earlier pending count.
     */
    public void stallNextRequests(int count, Duration maxHold) {
        long holdNanos = positive(maxHold, "maxHold");
        requireCount(count);
        control.lock();
        try {
            stallNextRequests = count;
            requestHoldNanos = holdNanos;
        } finally {
            control.unlock();
        }
    }

    /**
     * Lets everything held go now: ends a {@link #stall()}, releases held connections and requests
     * and forgets pending {@code stallNext…} counts. A {@link Mode#RESET} or {@link Mode#BLACKHOLE}
     * stays in force.
     */
    public void release() {
        control.lock();
        try {
            if (mode == Mode.STALL) {
                mode = Mode.PASS;
            }
            stallDeadline = FOREVER;
            stallNextConnections = 0;
            stallNextRequests = 0;
            releaseGeneration++;
            changed.signalAll();
        } finally {
            control.unlock();
        }
    }

    /**
     * Closes every open connection with a TCP RST now, and every new connection right after
     * accepting it, until another mode is set.
     */
    public void reset() {
        control.lock();
        try {
            mode = Mode.RESET;
            changed.signalAll();
        } finally {
            control.unlock();
        }
        resetExisting();
    }

    /** Closes every open connection with a TCP RST now; new connections are treated as before. */
    public void resetExisting() {
        for (Connection connection : connections) {
            connection.reset();
        }
    }

    /** Adds {@code perChunk} of latency before each chunk forwarded, both ways; zero removes it. */
    public void delay(Duration perChunk) {
        Objects.requireNonNull(perChunk, "perChunk");
        if (perChunk.isNegative()) {
            throw new IllegalArgumentException("perChunk must not be negative (got " + perChunk + ")");
        }
        delayNanos = perChunk.toNanos();
    }

    /**
     * Accepts new connections, reads and discards what they send and never answers them; existing
     * connections stop forwarding until the mode changes.
     */
    public void blackhole() {
        control.lock();
        try {
            mode = Mode.BLACKHOLE;
            changed.signalAll();
        } finally {
            control.unlock();
        }
    }

    /** Connections accepted since start, whatever was done with them. */
    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** Bytes forwarded in both directions. */
    public long bytesForwarded() {
        return bytesToTarget.get() + bytesToClient.get();
    }

    /** Bytes forwarded from clients to the target. */
    public long bytesToTarget() {
        return bytesToTarget.get();
    }

    /** Bytes forwarded from the target to clients. */
    public long bytesToClient() {
        return bytesToClient.get();
    }

    /** Bytes read from blackholed connections and dropped. */
    public long bytesDiscarded() {
        return bytesDiscarded.get();
    }

    /** Connections closed with a TCP RST, existing or new. */
    public long resets() {
        return resets.get();
    }

    /** Connections currently open through the proxy (blackholed ones included). */
    public int openConnections() {
        return connections.size();
    }

    /** Connections and requests held by a stall or blackhole right now: await this to know a fault engaged. */
    public int heldNow() {
        return heldNow.get();
    }

    /** Connections and requests held since start. */
    public long heldTotal() {
        return heldTotal.get();
    }

    /** Stops listening and closes every connection. Idempotent. */
    @Override
    public void close() {
        control.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            control.unlock();
        }
        closeQuietly(server);
        for (Connection connection : connections) {
            connection.close();
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        String to =
                targets.stream().map(t -> t.getHostString() + ":" + t.getPort()).collect(Collectors.joining(", "));
        return "FaultProxy[" + url() + " -> " + to + ", " + mode() + "]";
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connectionsAccepted.incrementAndGet();
            Connection connection = new Connection(connectionIds.incrementAndGet(), client);
            connections.add(connection);
            control.lock();
            try {
                if (closed) {
                    connection.close();
                    return;
                }
            } finally {
                control.unlock();
            }
            connection.start();
        }
    }

    private Mode effectiveMode() {
        if (mode == Mode.STALL && stallDeadline != FOREVER && System.nanoTime() - stallDeadline >= 0) {
            mode = Mode.PASS;
            stallDeadline = FOREVER;
        }
        return mode;
    }

    /** What to do with a connection just accepted, after any hold it is subject to. */
    private enum Admission {
        CONNECT,
        RESET,
        BLACKHOLE,
        DROP
    }

    private Admission admit(Connection connection) throws InterruptedException {
        boolean counted = false;
        control.lock();
        try {
            while (true) {
                if (closed || connection.closed) {
                    return Admission.DROP;
                }
                Mode now = effectiveMode();
                if (now == Mode.RESET) {
                    return Admission.RESET;
                }
                if (now == Mode.BLACKHOLE) {
                    return Admission.BLACKHOLE;
                }
                if (now == Mode.STALL) {
                    counted = countHeld(counted);
                    awaitStallEnd(connection);
                    continue;
                }
                if (stallNextConnections > 0 && !connection.heldAsConnection) {
                    stallNextConnections--;
                    connection.heldAsConnection = true;
                    counted = countHeld(counted);
                    holdUntilReleased(connection, System.nanoTime() + connectionHoldNanos);
                    continue;
                }
                return Admission.CONNECT;
            }
        } finally {
            control.unlock();
            if (counted) {
                heldNow.decrementAndGet();
            }
        }
    }

    /**
     * Called by a pump with a chunk in hand: holds it as long as the mode or a request stall says
     * so. Returns false when the connection must be reset instead.
     */
    private boolean mayForward(Connection connection, boolean toTarget) throws InterruptedException {
        boolean counted = false;
        control.lock();
        try {
            if (toTarget && connection.awaitingRequest) {
                connection.awaitingRequest = false;
                if (stallNextRequests > 0) {
                    stallNextRequests--;
                    counted = countHeld(counted);
                    holdUntilReleased(connection, System.nanoTime() + requestHoldNanos);
                }
            }
            while (true) {
                if (closed || connection.closed) {
                    return false;
                }
                Mode now = effectiveMode();
                if (now == Mode.RESET) {
                    return false;
                }
                if (now == Mode.PASS) {
                    break;
                }
                counted = countHeld(counted);
                if (now == Mode.STALL) {
                    awaitStallEnd(connection);
                } else {
                    changed.await(); // blackholed: until the mode changes
                }
            }
        } finally {
            control.unlock();
            if (counted) {
                heldNow.decrementAndGet();
            }
        }
        long delay = delayNanos;
        if (delay > 0) {
            TimeUnit.NANOSECONDS.sleep(delay);
        }
        return true;
    }

    private boolean countHeld(boolean alreadyCounted) {
        if (!alreadyCounted) {
            heldNow.incrementAndGet();
            heldTotal.incrementAndGet();
        }
        return true;
    }

    /** With {@link #control} held: waits while a stall is in force for this connection. */
    private void awaitStallEnd(Connection connection) throws InterruptedException {
        while (!closed && !connection.closed && effectiveMode() == Mode.STALL) {
            if (stallDeadline == FOREVER) {
                changed.await();
            } else {
                changed.awaitNanos(stallDeadline - System.nanoTime());
            }
        }
    }

    /** With {@link #control} held: waits until a release, the deadline, or the end of the connection. */
    private void holdUntilReleased(Connection connection, long deadline) throws InterruptedException {
        long generation = releaseGeneration;
        while (!closed && !connection.closed && releaseGeneration == generation) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            changed.awaitNanos(remaining);
        }
    }

    private void signalChanged() {
        control.lock();
        try {
            changed.signalAll();
        } finally {
            control.unlock();
        }
    }

    private static long positive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive (got " + duration + ")");
        }
        return duration.toNanos();
    }

    private static void requireCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be ≥ 1 (got " + count + ")");
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing on a failure path or at shutdown: nothing left to do with the error
        }
    }

    private static void resetQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.setSoLinger(true, 0); // close() now sends RST instead of FIN
        } catch (SocketException ignored) {
            // already closed
        }
        closeQuietly(socket);
    }

    /** One client connection and, once connected, its socket to the target. */
    private final class Connection {
        private final long id;
        private final Socket client;
        private volatile Socket upstream;
        private final AtomicInteger pumpsDone = new AtomicInteger();
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile boolean closed;

        // guarded by control
        private boolean heldAsConnection;
        private boolean awaitingRequest = true;

        Connection(long id, Socket client) {
            this.id = id;
            this.client = client;
        }

        void start() {
            Thread thread = new Thread(this::run, "fault-proxy-" + port() + "-conn-" + id + "-up");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                client.setTcpNoDelay(true);
                switch (admit(this)) {
                    case RESET -> reset();
                    case BLACKHOLE -> discard();
                    case DROP -> close();
                    case CONNECT -> connectAndPump();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
            } catch (IOException e) {
                close();
            }
        }

        private void connectAndPump() throws IOException, InterruptedException {
            int index = (int) (nextTarget.getAndIncrement() % targets.size());
            connectionsPerTarget.incrementAndGet(index);
            InetSocketAddress target = targets.get(index);
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                // the target is down: to the client that looks like a server that resets connections
                closeQuietly(socket);
                reset();
                return;
            }
            upstream = socket;
            if (closed) {
                close();
                return;
            }
            Thread down =
                    new Thread(() -> pump(socket, client, false), "fault-proxy-" + port() + "-conn-" + id + "-down");
            down.setDaemon(true);
            down.start();
            pump(client, socket, true);
        }

        private void pump(Socket from, Socket to, boolean toTarget) {
            byte[] buffer = new byte[BUFFER_BYTES];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        to.shutdownOutput(); // pass the half-close on
                        break;
                    }
                    if (!mayForward(this, toTarget)) {
                        if (!closed) {
                            reset();
                        }
                        return;
                    }
                    if (!toTarget) {
                        // before the write: the client may send its next request the moment it
                        // has this response, and that request must be recognized as one
                        markResponseSeen();
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    (toTarget ? bytesToTarget : bytesToClient).addAndGet(n);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                return;
            } catch (IOException e) {
                close();
                return;
            }
            if (pumpsDone.incrementAndGet() == 2) {
                close();
            }
        }

        private void markResponseSeen() {
            control.lock();
            try {
                awaitingRequest = true;
            } finally {
                control.unlock();
            }
        }

        private void discard() {
            byte[] buffer = new byte[BUFFER_BYTES];
            try {
                InputStream in = client.getInputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    bytesDiscarded.addAndGet(n);
                }
            } catch (IOException e) {
                // the client gave up or the proxy closed: either way the blackhole is done
            }
            close();
        }

        void reset() {
            if (ended.compareAndSet(false, true)) {
                resets.incrementAndGet();
                closed = true;
                resetQuietly(client);
                resetQuietly(upstream);
                finish();
            }
        }

        void close() {
            if (ended.compareAndSet(false, true)) {
                closed = true;
                closeQuietly(client);
                closeQuietly(upstream);
                finish();
            }
        }

        private void finish() {
            connections.remove(this);
            signalChanged(); // wake this connection's held pumps so they see it closed
        }
    }
}
