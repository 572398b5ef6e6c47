package dev.auditline.spool;

/**
 * {@link Spool#append} refused a record because storing it would take the spool over
 * {@code max_bytes}. Nothing was written and nothing already spooled was evicted; the refusal is
 * counted in {@link SpoolStats#refusedRecords()}. The caller owns the record and must count it as
 * dropped with reason {@code spool_full}.
 *
 * <p>Checked on purpose: a full spool is an expected state during a long outage, and every caller
 * has to decide what it does with the record.
 */
public final class SpoolFullException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long maxBytes;
    private final long usedBytes;
    private final long recordBytes;

    SpoolFullException(long maxBytes, long usedBytes, long recordBytes) {
        super("spool is full: max_bytes would be exceeded (used " + usedBytes + " + record " + recordBytes + " > "
                + maxBytes + ")");
        this.maxBytes = maxBytes;
        this.usedBytes = usedBytes;
        this.recordBytes = recordBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes the spool's segment files held when the record was refused. */
    public long usedBytes() {
        return usedBytes;
    }

    /** Bytes the refused record would have taken, framing (and a new segment's header) included. */
    public long recordBytes() {
        return recordBytes;
    }
}
