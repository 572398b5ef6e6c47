package dev.auditline.e2e.abuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.e2e.abuse.HostileInputs.Hostile;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the hostile requests got: every answer by status, the server errors by input, and which
 * event ids must now be stored (the items of an accepted batch the server did not reject) and
 * which must not (everything of a refused batch, and rejected items).
 */
final class AbuseLedger {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> inputs = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private final List<String> noAnswer = new CopyOnWriteArrayList<>();
    private final List<String> answers = new CopyOnWriteArrayList<>();
    private final Set<UUID> mustBeStored = ConcurrentHashMap.newKeySet();
    private final Set<UUID> mustNotBeStored = ConcurrentHashMap.newKeySet();

    /** Records one answer; {@code final} says no retry of this request follows. */
    void record(Hostile h, RawHttp.Answer a, boolean last) {
        inputs.add(h.name());
        requests.incrementAndGet();
        byStatus.computeIfAbsent(a.status(), s -> new AtomicInteger()).incrementAndGet();
        answers.add(a.status() + "  " + h.name());
        if (a.serverError()) {
            serverErrors.add(h.name() + ": " + a.status() + " " + excerpt(a.text()));
        }
        if (a.status() < 0) {
            noAnswer.add(h.name());
            return; // unknown whether it was stored: neither list
        }
        if (h.ids().isEmpty()) {
            return;
        }
        if (a.status() == 200 && h.path().equals(HostileInputs.BATCH)) {
            Set<Integer> notStored = new HashSet<>();
            try {
                for (JsonNode r : JSON.readTree(a.body()).path("results")) {
                    String status = r.path("status").asText();
                    if (status.equals("rejected") || status.equals("conflict")) {
                        notStored.add(r.path("index").asInt());
                    }
                }
            } catch (IOException e) {
                serverErrors.add(h.name() + ": 200 with a body that is not JSON: " + excerpt(a.text()));
            }
            for (int i = 0; i < h.ids().size(); i++) {
                (notStored.contains(i) ? mustNotBeStored : mustBeStored)
                        .add(h.ids().get(i));
            }
        } else if (last) {
            mustNotBeStored.addAll(h.ids());
        }
    }

    /** A name for a kind of input that is not one request of the catalogue (a load shape). */
    void countInput(String name) {
        inputs.add(name);
    }

    void countRequests(int n, int status) {
        requests.addAndGet(n);
        byStatus.computeIfAbsent(status, s -> new AtomicInteger()).addAndGet(n);
    }

    int distinctInputs() {
        return inputs.size();
    }

    int requests() {
        return requests.get();
    }

    Map<Integer, Integer> byStatus() {
        Map<Integer, Integer> out = new TreeMap<>();
        byStatus.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Answers {@code >= 500}, except {@code 503} with {@code Retry-After} ("come back later" under load). */
    int serverErrorCount() {
        return serverErrors.size();
    }

    List<String> serverErrors() {
        return List.copyOf(serverErrors);
    }

    List<String> noAnswer() {
        return List.copyOf(noAnswer);
    }

    List<String> answers() {
        return List.copyOf(answers);
    }

    Set<UUID> mustBeStored() {
        return Set.copyOf(mustBeStored);
    }

    Set<UUID> mustNotBeStored() {
        return Set.copyOf(mustNotBeStored);
    }

    private static String excerpt(String s) {
        String t = s.replace('\n', ' ');
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
