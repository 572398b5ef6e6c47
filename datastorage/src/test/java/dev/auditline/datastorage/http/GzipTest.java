package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipTest {
    private static final byte[] BODY = "{\"events\":[]}".repeat(100).getBytes(StandardCharsets.UTF_8);

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void oneMemberInflatesToExactlyWhatWasCompressed() throws Exception {
        assertThat(Gzip.inflate(gzip(BODY), 1 << 20)).isEqualTo(BODY);
        assertThat(Gzip.inflate(gzip(new byte[0]), 1 << 20)).isEmpty();
    }

    @Test
    void aSecondMemberIsRefused() throws Exception {
        assertThatThrownBy(() -> Gzip.inflate(concat(gzip(BODY), gzip(BODY)), 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessageContaining("follow the gzip stream (a second member or other data)");
    }

    @Test
    void garbageAfterTheStreamIsRefusedSayingHowMuch() throws Exception {
        assertThatThrownBy(() -> Gzip.inflate(concat(gzip(BODY), new byte[] {0, 0, 0}), 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessage("3 bytes follow the gzip stream (a second member or other data); send one gzip member");
    }

    @Test
    void aWrongCrcIsRefused() throws Exception {
        byte[] gz = gzip(BODY);
        gz[gz.length - 8] ^= 0x55;

        assertThatThrownBy(() -> Gzip.inflate(gz, 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessage("the CRC-32 in the gzip trailer does not match the data");
    }

    @Test
    void aWrongLengthIsRefused() throws Exception {
        byte[] gz = gzip(BODY);
        gz[gz.length - 4] ^= 0x01;

        assertThatThrownBy(() -> Gzip.inflate(gz, 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessageStartingWith("the length in the gzip trailer (");
    }

    @Test
    void aTruncatedStreamOrTrailerIsRefused() throws Exception {
        byte[] gz = gzip(BODY);

        assertThatThrownBy(() -> Gzip.inflate(Arrays.copyOf(gz, gz.length - 3), 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessage("the body ends inside the gzip trailer (CRC-32 and length)");
        assertThatThrownBy(() -> Gzip.inflate(Arrays.copyOf(gz, gz.length / 2), 1 << 20))
                .isInstanceOf(Gzip.Malformed.class)
                .hasMessage("the body ends inside the compressed data");
    }

    @Test
    void inflatingPastTheLimitStops() throws Exception {
        assertThatThrownBy(() -> Gzip.inflate(gzip(new byte[1 << 20]), 1000)).isInstanceOf(Gzip.TooLarge.class);
    }

    @Test
    void aBodyOfExactlyTheLimitInflatesAndOneByteMoreDoesNot() throws Exception {
        assertThat(Gzip.inflate(gzip(BODY), BODY.length)).isEqualTo(BODY);
        assertThatThrownBy(() -> Gzip.inflate(gzip(BODY), BODY.length - 1)).isInstanceOf(Gzip.TooLarge.class);
    }

    @Test
    void aLengthFieldThatUnderstatesTheDataStillInflatesAllOfItThenRefusesTheTrailer() throws Exception {
        // the length field sizes the output array: a lie must neither truncate nor pass the check
        byte[] big = new byte[200_000];
        Arrays.fill(big, (byte) 'a');
        for (long claimed : new long[] {1, 100, big.length - 1L, big.length + 1L, 10_000_000L, 0xFFFFFFFFL}) {
            byte[] gz = gzip(big);
            int at = gz.length - 4;
            for (int i = 0; i < 4; i++) {
                gz[at + i] = (byte) (claimed >>> (8 * i));
            }

            assertThatThrownBy(() -> Gzip.inflate(gz, 1 << 20))
                    .as("ISIZE %d", claimed)
                    .isInstanceOf(Gzip.Malformed.class)
                    .hasMessage("the length in the gzip trailer (" + claimed + ") does not match the data ("
                            + big.length + " bytes)");
        }
    }

    @Test
    void aLengthFieldPastTheLimitDoesNotLetTheDataPassIt() throws Exception {
        byte[] gz = gzip(new byte[5000]);
        gz[gz.length - 1] = 0x7f; // claims ~2 GB

        assertThatThrownBy(() -> Gzip.inflate(gz, 4000)).isInstanceOf(Gzip.TooLarge.class);
    }
}
