package dev.auditline.datastorage.store;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.postgresql.util.PGBinaryObject;
import org.postgresql.util.PGobject;

/**
 * A one-dimensional {@code text[]} or {@code bytea[]} parameter in PostgreSQL's binary array
 * format, written once, straight into the exact-size array pgjdbc sends. pgjdbc's own binding of a {@code String[]}
 * or {@code byte[][]} writes the same bytes through a {@code ByteArrayOutputStream} that starts at
 * 1 KB and doubles (a synchronized write per element and per length, and copies of the growing
 * buffer, megabyte-sized for a batch's {@code event_data}); a batch binds 26 such arrays per insert
 * and 4 per log append, so that was a tenth of a request thread's time.
 *
 * <p>pgjdbc sends a {@link PGBinaryObject} in binary when the connection sends the type in binary,
 * which it does for {@code text[]} and {@code bytea[]} unless {@code binaryTransferDisable} says
 * otherwise; then {@link #getValue} gives the same array as a text literal.
 */
final class BinaryArray extends PGobject implements PGBinaryObject {
    private static final int TEXT_OID = 25;
    private static final int BYTEA_OID = 17;

    private final byte[][] elements;
    private final boolean bytea;
    private final int length;
    private final boolean hasNull;

    private BinaryArray(byte[][] elements, boolean bytea) {
        this.elements = elements;
        this.bytea = bytea;
        setType(bytea ? "bytea[]" : "text[]");
        int size = HEADER_BYTES;
        boolean nulls = false;
        for (byte[] e : elements) {
            size = Math.addExact(size, 4 + (e == null ? 0 : e.length));
            nulls |= e == null;
        }
        this.length = size;
        this.hasNull = nulls;
    }

    private static final int HEADER_BYTES = 20;

    /** A {@code text[]} of {@code values} ({@code null} elements allowed). */
    static BinaryArray text(String[] values) {
        byte[][] elements = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            elements[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return new BinaryArray(elements, false);
    }

    /** A {@code bytea[]} of {@code values} ({@code null} elements allowed); the arrays are not copied. */
    static BinaryArray bytea(byte[][] values) {
        return new BinaryArray(values, true);
    }

    /**
     * Writes the array_recv format into {@code out} at {@code at}: header, then per element its
     * length (-1 for null) and bytes. Straight into pgjdbc's parameter buffer, so the array's
     * bytes are copied once.
     */
    private void encode(byte[] out, int offset) {
        int at = putInt(out, offset, 1); // dimensions
        at = putInt(out, at, hasNull ? 1 : 0);
        at = putInt(out, at, bytea ? BYTEA_OID : TEXT_OID);
        at = putInt(out, at, elements.length);
        at = putInt(out, at, 1); // lower bound
        for (byte[] e : elements) {
            if (e == null) {
                at = putInt(out, at, -1);
            } else {
                at = putInt(out, at, e.length);
                System.arraycopy(e, 0, out, at, e.length);
                at += e.length;
            }
        }
    }

    private static int putInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
        return at + 4;
    }

    @Override
    public int lengthInBytes() {
        return length;
    }

    @Override
    public void toBytes(byte[] target, int offset) {
        encode(target, offset);
    }

    @Override
    public void setByteValue(byte[] value, int offset) {
        throw new UnsupportedOperationException("a parameter only; never read back");
    }

    /** The text form, for a connection that does not send arrays in binary. */
    @Override
    public String getValue() {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < elements.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            byte[] e = elements[i];
            if (e == null) {
                s.append("NULL");
                continue;
            }
            String text = bytea ? "\\x" + HexFormat.of().formatHex(e) : new String(e, StandardCharsets.UTF_8);
            s.append('"');
            for (int k = 0; k < text.length(); k++) {
                char c = text.charAt(k);
                if (c == '"' || c == '\\') {
                    s.append('\\');
                }
                s.append(c);
            }
            s.append('"');
        }
        return s.append('}').toString();
    }

    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
