package dev.auditline.datastorage.viewer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's {@code chromium}, headless, driven over the DevTools protocol on a WebSocket
 * (java.net.http): navigate, evaluate JavaScript, take screenshots, allow downloads into a
 * directory. A small driver instead of Selenium: four protocol methods are all the viewer's tests
 * need, and nothing has to match a driver binary to the browser's version.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final long TIMEOUT_SECONDS = 30;

    private final Process process;
    private final Path profile;
    private final Connection browser;
    private final Connection page;

    private HeadlessChromium(Process process, Path profile, Connection browser, Connection page) {
        this.process = process;
        this.profile = profile;
        this.browser = browser;
        this.page = page;
    }

    /** Starts chromium with a fresh profile and a 1280×900 window; fails (never skips) without it. */
    static HeadlessChromium start() throws IOException, InterruptedException {
        String binary = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser")
                .filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "headless Chromium is needed for the viewer tests: apt-get install -y chromium"));
        Path profile = Files.createTempDirectory("viewer-chromium");
        Process process = new ProcessBuilder(
                        binary,
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                        "--hide-scrollbars",
                        "--window-size=1280,900",
                        "--remote-debugging-address=127.0.0.1",
                        "--remote-debugging-port=0",
                        "--user-data-dir=" + profile,
                        "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String browserUrl = awaitDevToolsUrl(process);
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create(browserUrl.replace("ws://", "http://").replaceAll("/devtools/.*", ""));
        JsonNode targets = JSON.readTree(http.send(
                        HttpRequest.newBuilder(base.resolve("/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        String pageUrl = null;
        for (JsonNode t : targets) {
            if (t.path("type").asText().equals("page")) {
                pageUrl = t.path("webSocketDebuggerUrl").asText();
            }
        }
        if (pageUrl == null) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium opened no page: " + targets);
        }
        Connection browser = Connection.open(http, browserUrl);
        Connection page = Connection.open(http, pageUrl);
        page.call("Page.enable", Map.of());
        page.call("Runtime.enable", Map.of());
        return new HeadlessChromium(process, profile, browser, page);
    }

    private static String awaitDevToolsUrl(Process process) throws IOException {
        BufferedReader err =
                new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        String line;
                        while ((line = err.readLine()) != null) {
                            Matcher m = LISTENING.matcher(line);
                            if (m.find()) {
                                url.complete(m.group(1));
                            }
                        }
                        url.completeExceptionally(new IOException("chromium exited before DevTools listened"));
                    } catch (IOException e) {
                        url.completeExceptionally(e);
                    }
                },
                "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("chromium did not open DevTools within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    void navigate(String url) {
        page.call("Page.navigate", Map.of("url", url));
    }

    /** Loads the current page again (a navigation to the same URL with a fragment would not). */
    void reload() {
        page.call("Page.reload", Map.of("ignoreCache", true));
    }

    /** The value of a JavaScript expression (promises awaited), as JSON. */
    JsonNode evaluate(String expression) {
        JsonNode result = page.call(
                "Runtime.evaluate", Map.of("expression", expression, "awaitPromise", true, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("JavaScript failed: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Downloads the page starts go to {@code dir}. */
    void allowDownloads(Path dir) {
        browser.call(
                "Browser.setDownloadBehavior",
                Map.of("behavior", "allow", "downloadPath", dir.toString(), "eventsEnabled", true));
    }

    void screenshot(Path png) throws IOException {
        JsonNode shot = page.call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", false));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    /** Makes the viewport {@code height} pixels tall, for a screenshot of a long page. */
    void resize(int width, int height) {
        page.call(
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    @Override
    public void close() throws IOException {
        page.close();
        browser.close();
        // Chromium's helpers (zygote, network service, renderers) outlive a quick parent exit and
        // keep writing into the profile; stop them all before the profile is removed.
        java.util.List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        helpers.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle helper : helpers) {
                try {
                    helper.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    helper.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            helpers.forEach(ProcessHandle::destroyForcibly);
        }
        deleteProfile();
    }

    /** Removes the profile; a file that vanishes while the tree is walked is already gone. */
    private void deleteProfile() throws IOException {
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> walk = Files.walk(profile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                return;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                if (!Files.exists(profile)) {
                    return;
                }
                if (attempt == 5) {
                    throw e instanceof java.io.UncheckedIOException u ? u.getCause() : (IOException) e;
                }
            }
        }
    }

    /** One DevTools WebSocket: numbered calls matched to their answers; events ignored. */
    private static final class Connection implements WebSocket.Listener {
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Connection open(HttpClient http, String url) {
            Connection c = new Connection();
            c.socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create(url), c)
                    .orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .join();
            return c;
        }

        JsonNode call(String method, Map<String, Object> params) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            ObjectNode message = JSON.createObjectNode();
            message.put("id", id);
            message.put("method", method);
            message.set("params", JSON.valueToTree(params));
            socket.sendText(message.toString(), true).join();
            JsonNode reply;
            try {
                reply = answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(method + ": no answer from chromium", e);
            }
            if (reply.has("error")) {
                throw new IllegalStateException(method + ": " + reply.get("error"));
            }
            return reply.path("result");
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> f =
                                pending.remove(message.get("id").asInt());
                        if (f != null) {
                            f.complete(message);
                        }
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "")
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null);
        }
    }
}
