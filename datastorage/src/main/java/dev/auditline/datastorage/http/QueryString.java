package dev.auditline.datastorage.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits and decodes a raw query string ({@code a=1&b=%C3%A9}) strictly. Javalin's own decoding
 * turns a bad escape ({@code %}, {@code %zz}) into a missing parameter and malformed UTF-8 into
 * U+FFFD, so a filter the client asked for could silently disappear or change; here either is a
 * {@code 400} naming the parameter.
 */
final class QueryString {
    private QueryString() {}

    /**
     * @param raw the query string as sent, without {@code ?}; {@code null} or empty for none
     * @return each decoded name with its decoded values, in the order sent
     * @throws ApiProblem {@code 400} naming the parameter whose name or value is not valid
     *     percent-encoded UTF-8
     */
    static Map<String, List<String>> parse(String raw) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
            String name = decode(rawName, shorten(rawName));
            String value = decode(rawValue, name);
            params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        return params;
    }

    /** Percent-decodes {@code text} ({@code +} is a space) as UTF-8, or fails naming {@code parameter}. */
    static String decode(String text, String parameter) {
        if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || !isAsciiHex(text.charAt(i + 1)) || !isAsciiHex(text.charAt(i + 2))) {
                    throw ApiProblem.badParameter(
                            parameter,
                            "bad percent-encoding at character " + i + ": % must be followed by two hex digits (got \""
                                    + shorten(text) + "\")");
                }
                bytes.write(Character.digit(text.charAt(i + 1), 16) << 4 | Character.digit(text.charAt(i + 2), 16));
                i += 3;
            } else {
                int end = i;
                while (end < text.length() && text.charAt(end) != '%') {
                    end++;
                }
                byte[] run = text.substring(i, end).replace('+', ' ').getBytes(StandardCharsets.UTF_8);
                bytes.write(run, 0, run.length);
                i = end;
            }
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer decoded = utf8.decode(ByteBuffer.wrap(bytes.toByteArray()));
            return decoded.toString();
        } catch (CharacterCodingException e) {
            throw ApiProblem.badParameter(
                    parameter, "the percent-encoded bytes are not valid UTF-8 (got \"" + shorten(text) + "\")");
        }
    }

    private static boolean isAsciiHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static String shorten(String s) {
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}
