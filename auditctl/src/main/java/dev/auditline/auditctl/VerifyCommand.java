package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.MerkleHash;
import dev.auditline.api.merkle.MerkleProofs;
import dev.auditline.api.merkle.NoteKey;
import dev.auditline.api.merkle.SignedNote;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code auditctl verify}: proves the trail DataStorage serves complete and unedited since the
 * last checkpoint this verifier trusted, or names what changed. The I/O lives here; the judgement
 * is {@link LogAudit}.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Checks the trail against the verifiable log: the signed checkpoint (Ed25519), its consistency"
                    + " with the last checkpoint this verifier trusted, and every stored event against its"
                    + " leaf. Reports verified, pruned (removed by signed retention), pending (stored after"
                    + " the checkpoint), tampered (with the field that differs), missing and inserted events.",
            "",
            "The signing key: --public-key pins it (a C2SP verifier key, as GET /api/v1/log/keys shows it);"
                    + " without it, the key the state file holds is used, and on the very first run the"
                    + " server's key is trusted on first use and written to the state file. Pin the key for"
                    + " any run whose answer matters."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:intact: every signed entry verified (pending and pruned entries are not findings)",
            "1:tampered, missing or inserted events, or a log inconsistent with the trusted checkpoint",
            "2:cannot verify (no checkpoint, bad signature or key, unreadable state)",
            "3:DataStorage unreachable or answered with an error",
            "64:wrong command line"
        })
final class VerifyCommand implements Callable<Integer> {
    static final String KEYS = "/api/v1/log/keys";
    static final String CHECKPOINT = "/api/v1/log/checkpoint";
    static final String CONSISTENCY = "/api/v1/log/proof/consistency";
    static final String LEAVES = "/api/v1/log/leaves";
    static final String RETENTION = "/api/v1/log/retention";
    static final String ENTRIES = "/api/v1/audit/log/entries";
    static final String EVENTS = "/api/v1/audit/events";
    static final int PAGE = 1000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Base64.Decoder B64 = Base64.getDecoder();

    @ParentCommand
    Auditctl parent;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--public-key",
            paramLabel = "FILE",
            description = "File holding the pinned verifier key (name+keyid+base64key).")
    Path publicKey;

    @Option(
            names = "--trusted-checkpoint",
            paramLabel = "FILE",
            description = "A signed checkpoint saved earlier (GET /api/v1/log/checkpoint): the log must extend it.")
    Path trustedCheckpoint;

    @Option(
            names = "--state",
            paramLabel = "FILE",
            defaultValue = "${env:AUDITCTL_VERIFY_STATE:-${sys:user.home}/.auditctl/verify-state.json}",
            description = "Where the trusted key and last verified checkpoint are kept (default ${DEFAULT-VALUE}).")
    Path stateFile;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Progress bar on stderr (default: when stderr is a terminal).")
    Boolean progress;

    @Override
    public Integer call() {
        ApiClient api = parent.api();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        VerifyState state = VerifyState.read(stateFile);

        NoteKey key = resolveKey(api, state, out);
        HttpResponse<byte[]> cpResponse = api.getRaw(api.uri(CHECKPOINT, Map.of()), TIMEOUT);
        if (cpResponse.statusCode() != 200) {
            throw new CommandFailure(
                    ExitCodes.CANNOT_VERIFY,
                    ApiClient.describeError(
                            "GET", api.uri(CHECKPOINT, Map.of()), cpResponse.statusCode(), cpResponse.body()));
        }
        String note = new String(cpResponse.body(), StandardCharsets.UTF_8);
        Checkpoint checkpoint;
        try {
            checkpoint = open(note, key, "the server's checkpoint");
        } catch (CommandFailure e) {
            if (publicKey == null && state.vkey() != null) {
                // The key came from the state file: a verifier pointed at another log (or at a log
                // whose key was replaced) lands here, and must be told how to start over.
                throw new CommandFailure(
                        ExitCodes.CANNOT_VERIFY, e.getMessage() + " with the key saved in " + stateFile + startOver());
            }
            throw e;
        }
        out.printf(
                "checkpoint: origin %s, tree size %d, root %s, signed by key %s%n",
                checkpoint.origin(), checkpoint.treeSize(), MerkleHash.hex(checkpoint.rootHash()), key.keyIdHex());

        List<String> problems = new ArrayList<>();
        if (state.checkpointNote() != null) {
            Checkpoint last;
            try {
                last = open(state.checkpointNote(), key, "the state file's checkpoint");
            } catch (CommandFailure e) {
                // a key pinned with --public-key that is not the one the state file was saved with
                throw new CommandFailure(ExitCodes.CANNOT_VERIFY, e.getMessage() + startOver());
            }
            checkConsistency(api, last, checkpoint, "the last verified checkpoint", out, problems);
        }
        if (trustedCheckpoint != null) {
            String text;
            try {
                text = Files.readString(trustedCheckpoint, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandFailure(
                        ExitCodes.CANNOT_VERIFY,
                        "cannot read --trusted-checkpoint " + trustedCheckpoint + ": " + e.getMessage());
            }
            checkConsistency(
                    api,
                    open(text, key, "--trusted-checkpoint " + trustedCheckpoint),
                    checkpoint,
                    "--trusted-checkpoint",
                    out,
                    problems);
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> out.println("INCONSISTENT " + p));
            out.println("result: TAMPERED (the log does not extend a checkpoint this verifier trusted)");
            return ExitCodes.FINDING;
        }

        Map<String, Long> retention = retentionMonths(api, key, out);
        Progress bar = new Progress(err, progress != null ? progress : System.console() != null);
        Set<UUID> served = walkEvents(api, bar);
        LogAudit audit = new LogAudit(checkpoint, retention.keySet(), served);
        walkLog(api, checkpoint, audit, bar);
        bar.done();
        LogAudit.Report report = audit.finish();

        out.printf("verified: %d%n", report.verified());
        out.printf("pruned: %d%n", report.pruned());
        out.printf("pending: %d%n", report.pending());
        out.printf("tampered: %d%n", report.tampered());
        out.printf("missing: %d%n", report.missing());
        out.printf("inserted: %d%n", report.inserted());
        if (!report.rootMatches()) {
            out.println("TAMPERED tree: the stored Merkle tree does not reproduce the signed root of size "
                    + checkpoint.treeSize() + " (log_tree_strip or audit_log rewritten)");
        }
        report.findings().forEach(f -> out.println(f.line()));
        long listed = report.findings().size();
        long found = report.tampered() + report.missing() + report.inserted();
        if (found > listed) {
            out.printf("(%d more findings not listed)%n", found - listed);
        }
        new VerifyState(key.vkey(), note).write(stateFile);
        out.println("result: " + (report.intact() ? "INTACT" : "TAMPERED"));
        return report.intact() ? ExitCodes.OK : ExitCodes.FINDING;
    }

    private NoteKey resolveKey(ApiClient api, VerifyState state, PrintWriter out) {
        if (publicKey != null) {
            NoteKey pinned;
            try {
                pinned = NoteKey.parse(Files.readString(publicKey, StandardCharsets.UTF_8));
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandFailure(ExitCodes.CANNOT_VERIFY, "--public-key " + publicKey + ": " + e.getMessage());
            }
            if (state.vkey() != null && !state.vkey().equals(pinned.vkey())) {
                out.println("note: the pinned key differs from the one in " + stateFile + "; using the pinned key");
            }
            out.println("key: " + pinned.vkey() + " (pinned by --public-key)");
            return pinned;
        }
        if (state.vkey() != null) {
            try {
                NoteKey known = NoteKey.parse(state.vkey());
                out.println("key: " + known.vkey() + " (from " + stateFile + ")");
                return known;
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(ExitCodes.CANNOT_VERIFY, "state file " + stateFile + ": " + e.getMessage());
            }
        }
        JsonNode keys = api.getJson(api.uri(KEYS, Map.of()), TIMEOUT).path("keys");
        if (!keys.isArray() || keys.isEmpty()) {
            throw new CommandFailure(ExitCodes.CANNOT_VERIFY, "the server publishes no log key at " + KEYS);
        }
        try {
            NoteKey first = NoteKey.parse(keys.get(0).path("vkey").asText());
            out.println("key: " + first.vkey() + " (trusted on first use, saved to " + stateFile + ")");
            return first;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCodes.CANNOT_VERIFY, "the server's log key is unusable: " + e.getMessage());
        }
    }

    /** What to do when the state file belongs to another log or key. */
    private String startOver() {
        return ". If this is another log, or its key was rotated on purpose, verify with --state pointing at"
                + " another file (or remove " + stateFile + "); otherwise the server is not the log this"
                + " verifier trusted.";
    }

    private static Checkpoint open(String note, NoteKey key, String what) {
        try {
            Checkpoint cp = Checkpoint.parse(SignedNote.open(note, key));
            if (!cp.origin().equals(key.name())) {
                throw new IllegalArgumentException("its origin " + cp.origin() + " is not the key's log " + key.name());
            }
            return cp;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCodes.CANNOT_VERIFY, what + " does not verify: " + e.getMessage());
        }
    }

    private void checkConsistency(
            ApiClient api, Checkpoint old, Checkpoint now, String name, PrintWriter out, List<String> problems) {
        if (old.treeSize() > now.treeSize()) {
            problems.add(name + " has tree size " + old.treeSize() + " but the server's checkpoint only "
                    + now.treeSize() + ": the log was cut back");
            return;
        }
        JsonNode body = api.getJson(
                api.uri(
                        CONSISTENCY,
                        Map.of("from", Long.toString(old.treeSize()), "to", Long.toString(now.treeSize()))),
                TIMEOUT);
        List<byte[]> proof = new ArrayList<>();
        body.path("proof").forEach(h -> proof.add(B64.decode(h.asText())));
        if (MerkleProofs.verifyConsistency(old.treeSize(), now.treeSize(), old.rootHash(), now.rootHash(), proof)) {
            out.printf("consistent with %s at tree size %d%n", name, old.treeSize());
        } else {
            problems.add("the checkpoint of size " + now.treeSize() + " does not extend " + name + " of size "
                    + old.treeSize() + ": the logged history was rewritten");
        }
    }

    /** The months signed retention records name; a record whose signature fails is ignored (and said so). */
    private Map<String, Long> retentionMonths(ApiClient api, NoteKey key, PrintWriter out) {
        Map<String, Long> months = new TreeMap<>();
        for (JsonNode r : api.getJson(api.uri(RETENTION, Map.of()), TIMEOUT).path("records")) {
            String text = r.path("note").asText();
            try {
                String body = SignedNote.open(text, key);
                String[] lines = body.split("\n");
                if (lines.length >= 4
                        && lines[0].equals(key.name())
                        && lines[1].equals("retention")
                        && lines[2].startsWith("month ")
                        && lines[3].startsWith("entries ")) {
                    months.put(lines[2].substring(6), Long.parseLong(lines[3].substring(8)));
                } else {
                    out.println("note: ignoring a retention record that is not one: " + lines[0]);
                }
            } catch (IllegalArgumentException e) {
                out.println("note: ignoring a retention record for "
                        + r.path("month").asText() + ": " + e.getMessage());
            }
        }
        if (!months.isEmpty()) {
            out.println("retention: " + months.keySet() + " removed under signed records");
        }
        return months;
    }

    /** Every event the query API serves, by id, walked before the log (see {@link LogAudit}). */
    private static Set<UUID> walkEvents(ApiClient api, Progress bar) {
        Set<UUID> ids = new HashSet<>();
        String cursor = null;
        do {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("limit", Integer.toString(PAGE));
            q.put("cursor", cursor);
            JsonNode page = api.getJson(api.uri(EVENTS, q), TIMEOUT);
            for (JsonNode e : page.path("events")) {
                ids.add(UUID.fromString(e.path("event_id").asText()));
            }
            bar.events(ids.size());
            JsonNode next = page.get("next_cursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return ids;
    }

    /**
     * Feeds {@code audit} every log index from 0: the leaves endpoint gives what is stored per index,
     * the entries endpoint the served events; the walk ends at the first empty page of both past the
     * checkpoint's size.
     */
    private static void walkLog(ApiClient api, Checkpoint checkpoint, LogAudit audit, Progress bar) {
        Deque<JsonNode> entries = new ArrayDeque<>();
        long entriesAfter = -1;
        boolean entriesDone = false;
        long start = 0;
        while (true) {
            TreeMap<Long, LogAudit.Row> rows = new TreeMap<>();
            JsonNode page = api.getJson(
                    api.uri(LEAVES, Map.of("start", Long.toString(start), "limit", Integer.toString(PAGE))), TIMEOUT);
            for (JsonNode l : page.path("leaves")) {
                rows.put(
                        l.path("log_index").asLong(),
                        new LogAudit.Row(
                                l.path("log_index").asLong(),
                                text(l, "event_id"),
                                text(l, "event_date"),
                                bytes(l, "leaf"),
                                bytes(l, "leaf_hash"),
                                bytes(l, "tree_leaf_hash")));
            }
            long end = start + PAGE;
            // the served events up to this page's end
            while (!entriesDone && entriesAfter < end - 1) {
                JsonNode ep = api.getJson(
                        api.uri(ENTRIES, Map.of("after", Long.toString(entriesAfter), "limit", Integer.toString(PAGE))),
                        TIMEOUT);
                JsonNode list = ep.path("entries");
                if (list.isEmpty()) {
                    entriesDone = true;
                    break;
                }
                list.forEach(entries::add);
                entriesAfter = ep.path("next_after").asLong();
            }
            TreeMap<Long, AuditEvent> events = new TreeMap<>();
            while (!entries.isEmpty() && entries.peekFirst().path("log_index").asLong() < end) {
                JsonNode e = entries.pollFirst();
                JsonNode event = e.get("event");
                if (event != null && !event.isNull()) {
                    events.put(
                            e.path("log_index").asLong(),
                            toEvent(event, e.path("log_index").asLong()));
                }
            }
            if (rows.isEmpty() && events.isEmpty() && start >= checkpoint.treeSize()) {
                return;
            }
            long last = Math.max(
                    rows.isEmpty() ? start - 1 : rows.lastKey(), events.isEmpty() ? start - 1 : events.lastKey());
            long upTo = Math.max(last + 1, Math.min(end, checkpoint.treeSize()));
            for (long i = start; i < upTo; i++) {
                audit.accept(i, rows.get(i), events.get(i));
            }
            bar.log(upTo, checkpoint.treeSize());
            if (upTo < end) {
                return;
            }
            start = end;
        }
    }

    private static AuditEvent toEvent(JsonNode event, long logIndex) {
        try {
            return AuditJson.mapper().treeToValue(event, AuditEvent.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandFailure(
                    ExitCodes.CANNOT_VERIFY,
                    "the event at log index " + logIndex + " cannot be read: " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static byte[] bytes(JsonNode node, String name) {
        String t = text(node, name);
        return t == null ? null : B64.decode(t);
    }

    /** A one-line progress bar on stderr, redrawn in place; silent when not on a terminal. */
    static final class Progress {
        private final PrintWriter err;
        private final boolean on;
        private long lastDraw;

        Progress(PrintWriter err, boolean on) {
            this.err = err;
            this.on = on;
        }

        void events(long n) {
            draw("reading events: " + n);
        }

        void log(long done, long total) {
            int width = 30;
            int filled = total == 0 ? width : (int) Math.min(width, done * width / total);
            draw("checking log [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total);
        }

        private void draw(String line) {
            long now = System.nanoTime();
            if (!on || now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            err.print("\r" + line + "\u001b[K");
            err.flush();
        }

        void done() {
            if (on) {
                err.print("\r\u001b[K");
                err.flush();
            }
        }
    }
}
