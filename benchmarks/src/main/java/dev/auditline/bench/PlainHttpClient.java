package dev.auditline.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The leanest honest HTTP/1.1 load generator for one client thread: one kept-alive loopback
 * connection, the request written and the answer read on the calling thread. The JDK's {@code
 * HttpClient} hands each exchange between the caller, its selector thread and its executor; on a
 * busy 2-core machine every hand-over is a wake-up that can wait for a core, so its tail measures
 * the client as much as the server. Reading the same answers with this client next to it shows which
 * part of the HTTP figure is the server's. Understands exactly what DataStorage sends: a
 * {@code Content-Length} or a chunked body.
 */
final class PlainHttpClient implements AutoCloseable {
    private final String host;
    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    PlainHttpClient(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** An answer: its status and its whole body. */
    record Answer(int status, byte[] body) {}

    /** {@code GET pathAndQuery}, reading the whole body; reconnects once if the server closed the connection. */
    Answer get(String pathAndQuery) throws IOException {
        if (socket == null) {
            connect();
        }
        byte[] request = ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port
                        + "\r\nAccept: application/json\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        out.write(request);
        out.flush();
        return read();
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    private Answer read() throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: \"" + statusLine + "\"");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        if (chunked) {
            for (int size = Integer.parseInt(line().split(";", 2)[0].trim(), 16);
                    size > 0;
                    size = Integer.parseInt(line().split(";", 2)[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                // no trailers are expected; skip any
            }
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            throw new IOException("an answer without Content-Length or chunked encoding");
        }
        if (close) {
            close();
        }
        return new Answer(status, body.toByteArray());
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("the server closed the connection mid-answer");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            Socket s = socket;
            socket = null;
            s.close();
        }
    }
}
