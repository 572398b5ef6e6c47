package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * What PostgreSQL receives from a {@link BinaryArray} is the array it was made of, element for
 * element (nulls, empty values, quotes, backslashes, commas, braces and any Unicode included), in
 * binary and through the text form a connection uses when it does not send arrays in binary.
 */
class BinaryArrayIT {
    private static TestPostgres.Database db;

    @BeforeAll
    static void database() {
        db = TestPostgres.shared().createDatabase();
    }

    private static String[] texts() {
        List<String> values = new ArrayList<>(List.of(
                "", "NULL", "null", "a,b", "{x}", "\"q\"", "back\\slash", " lead", "é€😀", "line\nbreak", "tab\t"));
        values.add(null);
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            StringBuilder s = new StringBuilder();
            for (int k = r.nextInt(40); k > 0; k--) {
                int cp = r.nextBoolean() ? 0x20 + r.nextInt(0x5F) : 1 + r.nextInt(0x2FFFF);
                // PostgreSQL text holds neither NUL nor an unpaired surrogate (no UTF-8 form)
                s.appendCodePoint(cp >= 0xD800 && cp <= 0xDFFF ? 'x' : cp);
            }
            values.add(s.toString());
        }
        return values.toArray(String[]::new);
    }

    private static byte[][] byteas() {
        Random r = new Random(11);
        byte[][] values = new byte[100][];
        for (int i = 0; i < values.length; i++) {
            values[i] = i == 3 ? null : new byte[r.nextInt(900)];
            if (values[i] != null) {
                r.nextBytes(values[i]);
            }
        }
        return values;
    }

    private static Object[] roundTrip(Connection c, String sql, BinaryArray array) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (Object[]) rs.getArray(1).getArray();
            }
        }
    }

    @Test
    void textArraysArriveElementForElement() throws SQLException {
        String[] values = texts();
        try (Connection c = db.connect()) {
            assertThat(roundTrip(c, "SELECT ?::text[]", BinaryArray.text(values)))
                    .containsExactly((Object[]) values);
        }
    }

    @Test
    void byteaArraysArriveElementForElement() throws SQLException {
        byte[][] values = byteas();
        try (Connection c = db.connect()) {
            Object[] back = roundTrip(c, "SELECT ?::bytea[]", BinaryArray.bytea(values));
            assertThat(back).hasSameSizeAs(values);
            for (int i = 0; i < values.length; i++) {
                assertThat(Arrays.equals((byte[]) back[i], values[i]))
                        .as("element %d", i)
                        .isTrue();
            }
        }
    }

    @Test
    void withoutBinaryArraysTheTextFormCarriesTheSameValues() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        props.setProperty("binaryTransferDisable", "1009,1001"); // text[], bytea[]
        String[] texts = texts();
        byte[][] byteas = byteas();
        try (Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), props)) {
            assertThat(c.unwrap(PGConnection.class)).isNotNull();
            assertThat(roundTrip(c, "SELECT ?::text[]", BinaryArray.text(texts)))
                    .containsExactly((Object[]) texts);
            Object[] back = roundTrip(c, "SELECT ?::bytea[]", BinaryArray.bytea(byteas));
            for (int i = 0; i < byteas.length; i++) {
                assertThat(Arrays.equals((byte[]) back[i], byteas[i]))
                        .as("element %d", i)
                        .isTrue();
            }
        }
    }
}
