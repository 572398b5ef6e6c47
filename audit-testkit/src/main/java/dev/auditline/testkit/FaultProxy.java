package dev.auditline.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
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
    private final List<InetSocketAddress> targets;
    private final AtomicLong nextTarget = new AtomicLong();
    private final AtomicLongArray connectionsPerTarget;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();

    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();
    private final AtomicLong bytesDiscarded = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final FaultControl control = new FaultControl();

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
        return control.mode();
    }

    /**
     * Forwards everything again, on new and existing connections: releases every held connection
     * and request, forgets pending {@code stallNext…} counts and removes the delay.
     */
    public void passThrough() {
        control.passThrough();
    }

    /** Holds new and existing connections without forwarding until {@link #release()}. */
    public void stall() {
        control.stall(FaultControl.FOREVER);
    }

    /**
     * Holds new and existing connections without forwarding for {@code duration} (or until {@link
     * #release()}), then forwards what they sent.
     */
    public void stall(Duration duration) {
        control.stall(System.nanoTime() + positive(duration, "duration"));
    }

    /**
     * Holds each of the next {@code count} new connections, before connecting on to the target, for
     * {@code maxHold} from its arrival or until {@link #release()}; other connections pass. Replaces
     * an earlier pending count.
     */
    public void stallNextConnections(int count, Duration maxHold) {
        long holdNanos = positive(maxHold, "maxHold");
        requireCount(count);
        control.stallNextConnections(count, holdNanos);
    }

    /**
     * Holds each of the next {@code count} requests, on new or reused connections, for {@code
     * maxHold} from its arrival or until {@link #release()}, while other connections pass. The
     * held request's connection forwards nothing meanwhile. Replaces an earlier pending count.
     */
    public void stallNextRequests(int count, Duration maxHold) {
        long holdNanos = positive(maxHold, "maxHold");
        requireCount(count);
        control.stallNextRequests(count, holdNanos);
    }

    /**
     * Lets everything held go now: ends a {@link #stall()}, releases held connections and requests
     * and forgets pending {@code stallNext…} counts. A {@link Mode#RESET} or {@link Mode#BLACKHOLE}
     * stays in force.
     */
    public void release() {
        control.release();
    }

    /**
     * Closes every open connection with a TCP RST now, and every new connection right after
     * accepting it, until another mode is set.
     */
    public void reset() {
        control.set(Mode.RESET);
        resetExisting();
    }

    /** Closes every open connection with a TCP RST now; new connections are treated as before. */
    public void resetExisting() {
        for (ProxyConnection connection : connections) {
            connection.reset();
        }
    }

    /** Adds {@code perChunk} of latency before each chunk forwarded, both ways; zero removes it. */
    public void delay(Duration perChunk) {
        Objects.requireNonNull(perChunk, "perChunk");
        if (perChunk.isNegative()) {
            throw new IllegalArgumentException("perChunk must not be negative (got " + perChunk + ")");
        }
        control.delay(perChunk.toNanos());
    }

    /**
     * Accepts new connections, reads and discards what they send and never answers them; existing
     * connections stop forwarding until the mode changes.
     */
    public void blackhole() {
        control.set(Mode.BLACKHOLE);
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
        return control.heldNow();
    }

    /** Connections and requests held since start. */
    public long heldTotal() {
        return control.heldTotal();
    }

    /** Stops listening and closes every connection. Idempotent. */
    @Override
    public void close() {
        if (!control.close()) {
            return;
        }
        ProxyConnection.closeQuietly(server);
        for (ProxyConnection connection : connections) {
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
            ProxyConnection connection = new ProxyConnection(this, control, connectionIds.incrementAndGet(), client);
            connections.add(connection);
            if (control.isClosed()) {
                connection.close();
                return;
            }
            connection.start();
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

    // ---- for ProxyConnection

    /** The target of the next new connection, round robin. */
    InetSocketAddress nextTarget() {
        int index = (int) (nextTarget.getAndIncrement() % targets.size());
        connectionsPerTarget.incrementAndGet(index);
        return targets.get(index);
    }

    void countForwarded(boolean toTarget, int bytes) {
        (toTarget ? bytesToTarget : bytesToClient).addAndGet(bytes);
    }

    void countDiscarded(int bytes) {
        bytesDiscarded.addAndGet(bytes);
    }

    void countReset() {
        resets.incrementAndGet();
    }

    void ended(ProxyConnection connection) {
        connections.remove(connection);
    }
}
