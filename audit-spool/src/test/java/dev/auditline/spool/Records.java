package dev.auditline.spool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers: recognisable payloads, a recording handler, directory listings. */
final class Records {
    private Records() {}

    static byte[] payload(int i) {
        return ("record-" + i + "-" + "x".repeat(i % 37)).getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    static List<String> expected(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(text(payload(i)));
        }
        return out;
    }

    /** Every payload of the spool, acknowledged, in replay order. */
    static List<String> drain(Spool spool) throws IOException {
        List<String> out = new ArrayList<>();
        spool.replay(p -> out.add(text(p)));
        return out;
    }

    static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<String> segmentFiles(Path dir) throws IOException {
        return fileNames(dir).stream().filter(n -> n.startsWith("segment-")).toList();
    }
}
