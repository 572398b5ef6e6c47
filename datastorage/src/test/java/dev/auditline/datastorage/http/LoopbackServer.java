package dev.auditline.datastorage.http;

import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.LogConfig;
import dev.auditline.datastorage.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A real DataStorage on SQLite in a temporary directory, on a free loopback port, plus raw-socket helpers. */
final class LoopbackServer implements AutoCloseable {
    final Path dir;
    final DataStorage server;
    final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private LoopbackServer(Path dir, DataStorage server) {
        this.dir = dir;
        this.server = server;
    }

    static LoopbackServer start(UnaryOperator<ServerConfig> server) throws IOException {
        Path dir = Files.createTempDirectory("datastorage-http-test");
        DataStorageConfig d = DataStorageConfig.defaults();
        DataStorageConfig config = d.withServer(server.apply(d.server().withPort(0)))
                .withStorage(d.storage().withUrl("sqlite:" + dir.resolve("audit.db")))
                .withLog(new LogConfig(dir.resolve("log.key"), null, Duration.ofSeconds(1)))
                .withKubernetes(d.kubernetes().withQuarantineFile(dir.resolve("quarantine.jsonl")));
        return new LoopbackServer(dir, DataStorage.start(config, Clock.systemUTC()));
    }

    int port() {
        return server.port();
    }

    URI uri(String pathAndQuery) {
        return URI.create(server.baseUrl() + pathAndQuery);
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)));
    }

    /** The value of one sample of {@code /metrics}, 0 when the series is absent. */
    double metric(String name) {
        return metric(name, "");
    }

    /** As {@link #metric(String)}, for the sample whose labels contain {@code label} (like {@code reason="x"}). */
    double metric(String name, String label) {
        String text = get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(text);
        while (m.find()) {
            if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    /** A connection that sent the request head of a POST with {@code contentLength} and no body yet. */
    Socket openUpload(String path, long contentLength) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
        s.setSoTimeout(20_000);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Writes bytes; {@code false} when the server closed the connection already. */
    static boolean trickle(Socket s, byte[] bytes) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The status code and everything the server sent until it closed the connection. */
    static String readAnswer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] all = in.readAllBytes();
        return new String(all, StandardCharsets.UTF_8);
    }

    static int status(String rawAnswer) {
        if (!rawAnswer.startsWith("HTTP/1.1 ")) {
            return -1;
        }
        return Integer.parseInt(rawAnswer.substring(9, 12));
    }

    @Override
    public void close() {
        server.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
