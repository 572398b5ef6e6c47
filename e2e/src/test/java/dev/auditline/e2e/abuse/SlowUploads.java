package dev.auditline.e2e.abuse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A slowloris client: {@code connections} uploads that each declare a small batch and then send
 * one byte every {@code period}, as long as the server keeps the connection open. Ends with how
 * each one was answered (status, or {@code -1} for a close without an answer).
 */
final class SlowUploads {
    private final int port;
    private final int connections;
    private final Duration period;
    private final Duration duration;

    SlowUploads(int port, int connections, Duration period, Duration duration) {
        this.port = port;
        this.connections = connections;
        this.period = period;
        this.duration = duration;
    }

    /** Runs to the end and returns answers by status. */
    Map<Integer, Integer> run() throws IOException, InterruptedException {
        List<Socket> sockets = new ArrayList<>();
        Map<Integer, Integer> byStatus = new HashMap<>();
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(30_000);
                String head = "POST /api/v1/audit/events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{";
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                int open = 0;
                for (Socket s : sockets) {
                    if (trickle(s)) {
                        open++;
                    }
                }
                if (open == 0) {
                    break;
                }
                Thread.sleep(period.toMillis()); // the attack's pace, not a wait for a result
            }
            for (Socket s : sockets) {
                s.shutdownOutput();
                byStatus.merge(status(s), 1, Integer::sum);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        return byStatus;
    }

    private static boolean trickle(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(' ');
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int status(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12);
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
