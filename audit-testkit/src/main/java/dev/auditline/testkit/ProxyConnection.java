package dev.auditline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection of a {@link FaultProxy} and, once connected, its socket to the target: two
 * daemon threads pump the bytes, asking the proxy's {@link FaultControl} before each chunk.
 */
final class ProxyConnection {
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final FaultProxy proxy;
    private final FaultControl control;
    private final long id;
    private final Socket client;
    private volatile Socket upstream;
    private final AtomicInteger pumpsDone = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final FaultControl.Hold hold = new FaultControl.Hold();

    ProxyConnection(FaultProxy proxy, FaultControl control, long id, Socket client) {
        this.proxy = proxy;
        this.control = control;
        this.id = id;
        this.client = client;
    }

    void start() {
        Thread thread = new Thread(this::run, "fault-proxy-" + proxy.port() + "-conn-" + id + "-up");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            client.setTcpNoDelay(true);
            switch (control.admit(hold)) {
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
        InetSocketAddress target = proxy.nextTarget();
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
        if (hold.closed) {
            close();
            return;
        }
        Thread down =
                new Thread(() -> pump(socket, client, false), "fault-proxy-" + proxy.port() + "-conn-" + id + "-down");
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
                if (!control.mayForward(hold, toTarget)) {
                    if (!hold.closed) {
                        reset();
                    }
                    return;
                }
                if (!toTarget) {
                    // before the write: the client may send its next request the moment it
                    // has this response, and that request must be recognized as one
                    control.responseSeen(hold);
                }
                // counted before the write: whoever has read these bytes must see them counted
                proxy.countForwarded(toTarget, n);
                out.write(buffer, 0, n);
                out.flush();
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

    private void discard() {
        byte[] buffer = new byte[BUFFER_BYTES];
        try {
            InputStream in = client.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                proxy.countDiscarded(n);
            }
        } catch (IOException e) {
            // the client gave up or the proxy closed: either way the blackhole is done
        }
        close();
    }

    void reset() {
        if (ended.compareAndSet(false, true)) {
            proxy.countReset();
            hold.closed = true;
            resetQuietly(client);
            resetQuietly(upstream);
            finish();
        }
    }

    void close() {
        if (ended.compareAndSet(false, true)) {
            hold.closed = true;
            closeQuietly(client);
            closeQuietly(upstream);
            finish();
        }
    }

    private void finish() {
        proxy.ended(this);
        control.signalChanged(); // wake this connection's held pumps so they see it closed
    }

    static void closeQuietly(AutoCloseable closeable) {
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
}
