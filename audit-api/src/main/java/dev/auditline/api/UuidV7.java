package dev.auditline.api;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered UUIDs (RFC 9562, version 7): 48 bits of Unix milliseconds, then random bits.
 * Time order keeps the primary-key index of the audit table append-friendly.
 *
 * <p>Uses {@link ThreadLocalRandom}: event ids must be unique, not unguessable, and generating
 * them must not contend between producer threads.
 */
public final class UuidV7 {
    private UuidV7() {}

    /** A new id for the current time. */
    public static UUID next() {
        return forMillis(System.currentTimeMillis());
    }

    /** A new id whose timestamp part is {@code epochMillis}. */
    public static UUID forMillis(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | (random.nextInt() & 0x0FFF);
        long lsb = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    /** The Unix milliseconds encoded in a version-7 id. */
    public static long millisOf(UUID id) {
        if (id.version() != 7) {
            throw new IllegalArgumentException("not a version 7 UUID: " + id);
        }
        return id.getMostSignificantBits() >>> 16;
    }
}
