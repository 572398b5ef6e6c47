package dev.auditline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultProxyTest {
    private static final Duration LONG_HOLD = Duration.ofSeconds(60);
    /** How long a read waits to show that nothing arrives; only ever used to prove an absence. */
    private static final int QUIET_MILLIS = 300;

    private HttpServer http;
    private ExecutorService httpExecutor;
    private final AtomicInteger httpRequests = new AtomicInteger();
    private EchoServer echo;
    private FaultProxy httpProxy;
    private FaultProxy echoProxy;
    private HttpClient client;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void startServersAndProxies() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        httpExecutor = Executors.newCachedThreadPool();
        http.setExecutor(httpExecutor);
        http.createContext("/hello", exchange -> {
            httpRequests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        echo = new EchoServer();
        httpProxy = FaultProxy.start("127.0.0.1", http.getAddress().getPort());
        echoProxy = FaultProxy.start("127.0.0.1", echo.port());
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterEach
    void stopEverything() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        httpProxy.close();
        echoProxy.close();
        echo.close();
        http.stop(0);
        httpExecutor.shutdownNow();
    }

    private HttpRequest hello() {
        return HttpRequest.newBuilder(URI.create(httpProxy.url() + "/hello"))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("ping"))
                .build();
    }

    private HttpResponse<String> send() throws IOException, InterruptedException {
        return client.send(hello(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> sendAsync() {
        return client.sendAsync(hello(), HttpResponse.BodyHandlers.ofString());
    }

    private Socket connectToEchoProxy() throws IOException {
        Socket socket = new Socket("127.0.0.1", echoProxy.port());
        socket.setSoTimeout(10_000);
        sockets.add(socket);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    private static String read(Socket socket, int bytes) throws IOException {
        return new String(socket.getInputStream().readNBytes(bytes), StandardCharsets.UTF_8);
    }

    private static void assertNothingArrives(Socket socket) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(QUIET_MILLIS);
        try {
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    @Test
    void listensOnLoopbackAndNamesItsUrl() {
        assertThat(httpProxy.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(httpProxy.url()).isEqualTo("http://127.0.0.1:" + httpProxy.port());
        assertThat(httpProxy.target().getPort()).isEqualTo(http.getAddress().getPort());
        assertThat(httpProxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
    }

    @Test
    void roundRobinSendsEachNewConnectionToTheNextTargetInTurn() throws Exception {
        try (EchoServer second = new EchoServer();
                FaultProxy front = FaultProxy.startRoundRobin(List.of(
                        new InetSocketAddress("127.0.0.1", echo.port()),
                        new InetSocketAddress("127.0.0.1", second.port())))) {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("127.0.0.1", front.port());
                socket.setSoTimeout(10_000);
                sockets.add(socket);
                write(socket, "ping" + i);
                assertThat(read(socket, 5)).isEqualTo("ping" + i);
            }

            assertThat(echo.connections()).isEqualTo(2);
            assertThat(second.connections()).isEqualTo(2);
            assertThat(front.connectionsTo(0)).isEqualTo(2);
            assertThat(front.connectionsTo(1)).isEqualTo(2);
            assertThat(front.targets()).hasSize(2);
        }
    }

    @Test
    void roundRobinResetsAConnectionAssignedToATargetThatIsDownAndServesTheNextOne() throws Exception {
        int down;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            down = gone.getLocalPort(); // nothing listens there once closed
        }
        try (FaultProxy front = FaultProxy.startRoundRobin(
                List.of(new InetSocketAddress("127.0.0.1", down), new InetSocketAddress("127.0.0.1", echo.port())))) {
            Socket first = new Socket("127.0.0.1", front.port());
            first.setSoTimeout(10_000);
            sockets.add(first);
            assertThatThrownBy(() -> first.getInputStream().read()).isInstanceOf(SocketException.class);

            Socket next = new Socket("127.0.0.1", front.port());
            next.setSoTimeout(10_000);
            sockets.add(next);
            write(next, "alive");
            assertThat(read(next, 5)).isEqualTo("alive");
            assertThat(front.connectionsTo(0)).isEqualTo(1);
            assertThat(front.connectionsTo(1)).isEqualTo(1);
        }
    }

    @Test
    void passesHttpRequestsAndResponsesThrough() throws Exception {
        HttpResponse<String> response = send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello");
        assertThat(httpProxy.connectionsAccepted()).isEqualTo(1);
        assertThat(httpProxy.bytesToTarget()).isPositive();
        assertThat(httpProxy.bytesToClient()).isPositive();
    }

    @Test
    void countsEveryByteForwardedEachWay() throws Exception {
        Socket socket = connectToEchoProxy();

        write(socket, "hello proxy");

        assertThat(read(socket, 11)).isEqualTo("hello proxy");
        await().untilAsserted(() -> assertThat(echoProxy.bytesToClient()).isEqualTo(11));
        assertThat(echoProxy.bytesToTarget()).isEqualTo(11);
        assertThat(echoProxy.bytesForwarded()).isEqualTo(22);
    }

    @Test
    void passesTheClientsHalfCloseOnToTheTarget() throws Exception {
        Socket socket = connectToEchoProxy();
        write(socket, "bye");

        socket.shutdownOutput();

        assertThat(read(socket, 3)).isEqualTo("bye");
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        await().until(() -> echoProxy.openConnections() == 0);
    }

    @Test
    void stallHoldsNewConnectionsUntilReleased() throws Exception {
        httpProxy.stall();

        CompletableFuture<HttpResponse<String>> response = sendAsync();
        await().until(() -> httpProxy.heldNow() == 1);

        assertThat(response).isNotDone();
        assertThat(httpRequests.get()).isZero();
        httpProxy.release();
        assertThat(response.get(10, TimeUnit.SECONDS).body()).isEqualTo("hello");
        assertThat(httpProxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
    }

    @Test
    void stallHoldsExistingConnectionsToo() throws Exception {
        Socket socket = connectToEchoProxy();
        write(socket, "one");
        assertThat(read(socket, 3)).isEqualTo("one");

        echoProxy.stall();
        write(socket, "two");

        await().until(() -> echoProxy.heldNow() == 1);
        assertNothingArrives(socket);
        echoProxy.release();
        assertThat(read(socket, 3)).isEqualTo("two");
    }

    @Test
    void timedStallEndsByItselfAndDeliversWhatWasHeld() throws Exception {
        Duration stall = Duration.ofMillis(500);
        httpProxy.stall(stall);
        long start = System.nanoTime();

        HttpResponse<String> response = send();

        assertThat(response.body()).isEqualTo("hello");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(stall.minusMillis(50));
        assertThat(httpProxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
        assertThat(httpProxy.heldTotal()).isEqualTo(1);
    }

    @Test
    void stallNextRequestsHoldsOneRequestWhileOtherTrafficContinues() throws Exception {
        httpProxy.stallNextRequests(1, LONG_HOLD);

        CompletableFuture<HttpResponse<String>> stalled = sendAsync();
        await().until(() -> httpProxy.heldNow() == 1);
        for (int i = 0; i < 5; i++) {
            assertThat(send().body()).isEqualTo("hello");
        }

        assertThat(stalled).isNotDone();
        assertThat(httpRequests.get()).isEqualTo(5);
        httpProxy.release();
        assertThat(stalled.get(10, TimeUnit.SECONDS).body()).isEqualTo("hello");
        assertThat(httpRequests.get()).isEqualTo(6);
    }

    @Test
    void stallNextRequestsCatchesARequestOnAReusedKeepAliveConnection() throws Exception {
        assertThat(send().statusCode()).isEqualTo(200);
        await().until(() -> httpProxy.bytesToClient() > 0);

        httpProxy.stallNextRequests(1, LONG_HOLD);
        CompletableFuture<HttpResponse<String>> stalled = sendAsync();

        await().until(() -> httpProxy.heldNow() == 1);
        assertThat(httpProxy.connectionsAccepted()).isEqualTo(1);
        assertThat(stalled).isNotDone();
        httpProxy.release();
        assertThat(stalled.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aHeldRequestGoesOnByItselfAfterItsMaximumHold() throws Exception {
        Duration hold = Duration.ofMillis(400);
        httpProxy.stallNextRequests(1, hold);
        long start = System.nanoTime();

        HttpResponse<String> response = send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(hold.minusMillis(50));
        assertThat(httpProxy.heldTotal()).isEqualTo(1);
    }

    @Test
    void requestBodiesSentInSeveralWritesCountAsOneRequest() throws Exception {
        httpProxy.stallNextRequests(2, LONG_HOLD);

        CompletableFuture<HttpResponse<String>> first = sendAsync();
        await().until(() -> httpProxy.heldNow() == 1);
        httpProxy.release();

        assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("hello");
        assertThat(httpProxy.heldTotal()).isEqualTo(1);
    }

    @Test
    void stallNextConnectionsHoldsOnlyThatManyNewConnections() throws Exception {
        echoProxy.stallNextConnections(1, LONG_HOLD);
        Socket held = connectToEchoProxy();
        write(held, "held");
        await().until(() -> echoProxy.heldNow() == 1);

        Socket passing = connectToEchoProxy();
        write(passing, "pass");

        assertThat(read(passing, 4)).isEqualTo("pass");
        assertNothingArrives(held);
        assertThat(echo.connections()).isEqualTo(1);
        echoProxy.release();
        assertThat(read(held, 4)).isEqualTo("held");
    }

    @Test
    void resetClosesOpenConnectionsWithRst() throws Exception {
        Socket socket = connectToEchoProxy();
        write(socket, "x");
        assertThat(read(socket, 1)).isEqualTo("x");

        echoProxy.reset();

        assertThatThrownBy(() -> socket.getInputStream().read())
                .isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
        assertThat(echoProxy.resets()).isEqualTo(1);
        assertThat(echoProxy.openConnections()).isZero();
    }

    @Test
    void resetRefusesNewConnectionsWithRstUntilAnotherModeIsSet() throws Exception {
        httpProxy.reset();

        assertThatThrownBy(this::send).isInstanceOf(IOException.class);
        assertThat(httpRequests.get()).isZero();
        assertThat(httpProxy.resets()).isPositive();

        httpProxy.passThrough();
        assertThat(send().body()).isEqualTo("hello");
    }

    @Test
    void resetExistingKeepsAcceptingNewConnections() throws Exception {
        Socket old = connectToEchoProxy();
        write(old, "a");
        assertThat(read(old, 1)).isEqualTo("a");

        echoProxy.resetExisting();

        assertThatThrownBy(() -> old.getInputStream().read()).isInstanceOf(SocketException.class);
        Socket fresh = connectToEchoProxy();
        write(fresh, "b");
        assertThat(read(fresh, 1)).isEqualTo("b");
        assertThat(echoProxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
    }

    @Test
    void aStalledConnectionIsResetToo() throws Exception {
        echoProxy.stall();
        Socket socket = connectToEchoProxy();
        write(socket, "x");
        await().until(() -> echoProxy.heldNow() == 1);

        echoProxy.reset();

        assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketException.class);
        await().until(() -> echoProxy.heldNow() == 0);
        assertThat(echo.connections()).isZero();
    }

    @Test
    void delayAddsLatencyToEachChunkBothWays() throws Exception {
        Socket socket = connectToEchoProxy();
        echoProxy.delay(Duration.ofMillis(200));
        long start = System.nanoTime();

        write(socket, "slow");

        assertThat(read(socket, 4)).isEqualTo("slow");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(390));
    }

    @Test
    void zeroDelayRemovesTheLatency() throws Exception {
        echoProxy.delay(Duration.ofSeconds(30));
        echoProxy.delay(Duration.ZERO);
        Socket socket = connectToEchoProxy();
        socket.setSoTimeout(5_000);

        write(socket, "fast");

        assertThat(read(socket, 4)).isEqualTo("fast");
    }

    @Test
    void blackholeReadsAndDiscardsWithoutEverAnswering() throws Exception {
        echoProxy.blackhole();
        Socket socket = connectToEchoProxy();

        write(socket, "x".repeat(10_000));

        await().until(() -> echoProxy.bytesDiscarded() == 10_000);
        assertNothingArrives(socket);
        assertThat(echo.connections()).isZero();
        assertThat(echoProxy.bytesForwarded()).isZero();
    }

    @Test
    void blackholeTimesOutHttpRequests() {
        httpProxy.blackhole();
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpProxy.url() + "/hello"))
                .timeout(Duration.ofMillis(QUIET_MILLIS))
                .GET()
                .build();

        assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.net.http.HttpTimeoutException.class);
        assertThat(httpRequests.get()).isZero();
    }

    @Test
    void blackholeHoldsExistingConnectionsAndTheyResumeWithoutLoss() throws Exception {
        Socket socket = connectToEchoProxy();
        write(socket, "1");
        assertThat(read(socket, 1)).isEqualTo("1");

        echoProxy.blackhole();
        write(socket, "2");
        await().until(() -> echoProxy.heldNow() == 1);
        assertNothingArrives(socket);

        echoProxy.passThrough();
        assertThat(read(socket, 1)).isEqualTo("2");
    }

    @Test
    void passThroughAfterBlackholeServesNewConnections() throws Exception {
        httpProxy.blackhole();
        httpProxy.passThrough();

        assertThat(send().body()).isEqualTo("hello");
    }

    @Test
    void anUnreachableTargetLooksLikeAResetConnection() throws Exception {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = free.getLocalPort();
        }
        try (FaultProxy proxy = FaultProxy.start("127.0.0.1", closedPort);
                Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();

            assertThatThrownBy(in::read).isInstanceOf(SocketException.class);
            assertThat(proxy.resets()).isEqualTo(1);
        }
    }

    @Test
    void closeClosesConnectionsStopsListeningAndIsIdempotent() throws Exception {
        Socket socket = connectToEchoProxy();
        write(socket, "x");
        assertThat(read(socket, 1)).isEqualTo("x");
        int port = echoProxy.port();

        echoProxy.close();
        echoProxy.close();

        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void closeReleasesHeldConnections() throws Exception {
        echoProxy.stall();
        Socket socket = connectToEchoProxy();
        await().until(() -> echoProxy.heldNow() == 1);

        echoProxy.close();

        await().until(() -> echoProxy.heldNow() == 0);
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }

    @Test
    void commandsFromManyThreadsWhileTrafficFlowsLeaveAWorkingProxy() throws Exception {
        int threads = 4;
        CountDownLatch ready = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> togglers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                togglers.add(CompletableFuture.runAsync(
                        () -> {
                            ready.countDown();
                            for (int i = 0; i < 200; i++) {
                                switch (i % 5) {
                                    case 0 -> echoProxy.stall(Duration.ofMillis(1));
                                    case 1 -> echoProxy.delay(Duration.ofNanos(1000));
                                    case 2 -> echoProxy.stallNextRequests(1, Duration.ofMillis(1));
                                    case 3 -> echoProxy.release();
                                    default -> echoProxy.passThrough();
                                }
                            }
                        },
                        pool));
            }
            ready.await();
            Socket socket = connectToEchoProxy();
            for (int i = 0; i < 50; i++) {
                write(socket, "m");
                assertThat(read(socket, 1)).isEqualTo("m");
            }
            CompletableFuture.allOf(togglers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        echoProxy.passThrough();
        Socket after = connectToEchoProxy();
        write(after, "ok");
        assertThat(read(after, 2)).isEqualTo("ok");
    }

    @Test
    void aStallOfNoTimeIsRejected() {
        assertThatThrownBy(() -> echoProxy.stall(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duration must be positive (got PT0S)");
    }

    @Test
    void stallingNoRequestsIsRejected() {
        assertThatThrownBy(() -> echoProxy.stallNextRequests(0, LONG_HOLD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count must be ≥ 1 (got 0)");
    }

    @Test
    void aNegativeDelayIsRejected() {
        assertThatThrownBy(() -> echoProxy.delay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("perChunk must not be negative (got PT-0.001S)");
    }
}
