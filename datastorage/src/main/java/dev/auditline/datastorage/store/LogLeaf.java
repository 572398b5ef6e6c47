package dev.auditline.datastorage.store;

import java.util.UUID;

/**
 * One row of the verifiable log: the leaf of the event stored at {@code logIndex} (see audit-api
 * {@code LeafEncoding}) and its RFC 6962 leaf hash. Kept after retention removes the event.
 */
public record LogLeaf(long logIndex, UUID eventId, byte[] leaf, byte[] leafHash) {}
