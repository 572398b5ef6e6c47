/**
 * The spool of DESIGN §5: a bounded, crash-safe, append-only directory of segment files where
 * the client keeps batches it could not deliver and DataStorage keeps batches it could not commit,
 * until a replay hands them to the same idempotent path again.
 *
 * <p>Entry points: {@link dev.auditline.spool.Spool} (append, replay, stats), {@link
 * dev.auditline.spool.EventBatchCodec} (a batch of events as one record) and {@link
 * dev.auditline.spool.RejectedLog} (events the server refused, kept for people). The format on
 * disk and the durability contract are described in {@code docs/spool.md}.
 */
package dev.auditline.spool;
