package dev.auditline.datastorage.log;

/**
 * The body of a signed retention record: the log's origin, the fixed line {@code retention}, the
 * month removed, how many log entries had an event_date in it, and the size of the signed tree at
 * that moment. Verifiers report those entries as pruned, never as deleted.
 */
record RetentionNote(String origin, String month, long entries, long treeSize) {
    String body() {
        return origin + "\nretention\nmonth " + month + "\nentries " + entries + "\ntree_size " + treeSize + "\n";
    }
}
