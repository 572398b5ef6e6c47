package dev.auditline.datastorage.k8s;

import static dev.auditline.datastorage.k8s.K8sFixtures.item;
import static dev.auditline.datastorage.k8s.K8sFixtures.load;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.ValidationLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KubernetesAuditMappingTest {
    private static final String CLUSTER = "prod-eu-1";
    private static final Instant NOW = K8sFixtures.BASE.plus(Duration.ofMinutes(10));
    private static final KubernetesAuditMapping DEFAULT =
            new KubernetesAuditMapping(KubernetesAuditMapping.DEFAULT_STORED_STAGES, ValidationLimits.DEFAULTS);
    private static final KubernetesAuditMapping ALL_STAGES =
            new KubernetesAuditMapping(KubernetesAuditMapping.STAGES, ValidationLimits.DEFAULTS);

    private static AuditEvent stored(KubernetesAuditMapping mapping, JsonNode item) {
        KubernetesAuditMapping.Result r = mapping.map(CLUSTER, item, NOW);
        assertThat(r).isInstanceOf(KubernetesAuditMapping.Stored.class);
        return ((KubernetesAuditMapping.Stored) r).event();
    }

    private static KubernetesAuditMapping.Malformed malformed(JsonNode item) {
        KubernetesAuditMapping.Result r = DEFAULT.map(CLUSTER, item, NOW);
        assertThat(r).isInstanceOf(KubernetesAuditMapping.Malformed.class);
        return (KubernetesAuditMapping.Malformed) r;
    }

    @Test
    void getOfAPodMapsEveryColumn() {
        AuditEvent e = stored(DEFAULT, item(load("verbs.json"), 0));

        assertThat(e.eventId())
                .isEqualTo(KubernetesAuditMapping.eventId(
                        CLUSTER, "0b7f5c2e-6a1d-4e0b-9b57-1f7e6d2a9c01", "ResponseComplete"));
        assertThat(e.eventId().version()).isEqualTo(5);
        assertThat(e.eventType()).isEqualTo("k8s.pods.get");
        assertThat(e.eventCategory()).isEqualTo("kubernetes");
        assertThat(e.eventAction()).isEqualTo("get");
        assertThat(e.eventOutcome()).isEqualTo(EventOutcome.SUCCESS);
        assertThat(e.eventTimestamp()).isEqualTo(Instant.parse("2026-01-15T10:00:00.112345Z"));
        assertThat(e.correlationId()).isEqualTo("0b7f5c2e-6a1d-4e0b-9b57-1f7e6d2a9c01");
        assertThat(e.actorType()).isEqualTo("user");
        assertThat(e.actorId()).isEqualTo("alice@example.com");
        assertThat(e.actorIp())
                .as("the last sourceIP, not the client-set first one")
                .isEqualTo("10.0.0.12");
        assertThat(e.resourceType()).isEqualTo("pods");
        assertThat(e.resourceId()).isEqualTo("shop/checkout-7d9f8b6c4-x2x9q");
        assertThat(e.resourceName()).isEqualTo("checkout-7d9f8b6c4-x2x9q");
        assertThat(e.namespace()).isEqualTo("shop");
        assertThat(e.clusterId()).isEqualTo(CLUSTER);
        assertThat(e.durationMs()).isEqualTo(12L);
        assertThat(e.errorCode()).isNull();
        assertThat(e.errorMessage()).isNull();

        ObjectNode data = e.eventData().node();
        assertThat(data.get("verb").asText()).isEqualTo("get");
        assertThat(data.get("stage").asText()).isEqualTo("ResponseComplete");
        assertThat(data.get("level").asText()).isEqualTo("Metadata");
        assertThat(data.get("request_uri").asText()).isEqualTo("/api/v1/namespaces/shop/pods/checkout-7d9f8b6c4-x2x9q");
        assertThat(data.get("user_agent").asText()).startsWith("kubectl/v1.31.2");
        assertThat(data.get("source_ips").toString()).isEqualTo("[\"203.0.113.7\",\"10.0.0.12\"]");
        assertThat(data.at("/annotations/authorization.k8s.io~1decision").asText())
                .isEqualTo("allow");
        assertThat(data.at("/annotations/authorization.k8s.io~1reason").asText())
                .startsWith("RBAC: allowed by");
        assertThat(data.at("/user/uid").asText()).isEqualTo("oidc:5c1e6a7f");
        assertThat(data.at("/user/extra").isObject()).isTrue();
        assertThat(data.has("request_object")).isFalse();
        assertThat(data.has("response_object")).isFalse();
    }

    @Test
    void onlyResponseCompleteAndPanicAreStoredByDefault() {
        ObjectNode verbs = load("verbs.json");
        assertThat(DEFAULT.map(CLUSTER, item(verbs, 2), NOW))
                .isEqualTo(new KubernetesAuditMapping.Skipped("ResponseStarted"));
        assertThat(DEFAULT.map(CLUSTER, item(verbs, 4), NOW))
                .isEqualTo(new KubernetesAuditMapping.Skipped("RequestReceived"));
        assertThat(stored(DEFAULT, item(load("identities.json"), 3)).eventOutcome())
                .isEqualTo(EventOutcome.FAILURE);
    }

    @Test
    void everyStageOfOneRequestGetsItsOwnIdWhenAllStagesAreStored() {
        ObjectNode verbs = load("verbs.json");
        AuditEvent received = stored(ALL_STAGES, item(verbs, 4));
        AuditEvent complete = stored(ALL_STAGES, item(verbs, 5));
        AuditEvent watchStarted = stored(ALL_STAGES, item(verbs, 2));
        AuditEvent watchComplete = stored(ALL_STAGES, item(verbs, 3));

        assertThat(received.eventOutcome()).as("no status code yet").isEqualTo(EventOutcome.PENDING);
        assertThat(received.correlationId()).isEqualTo(complete.correlationId());
        assertThat(received.eventId()).isNotEqualTo(complete.eventId());
        assertThat(watchStarted.eventOutcome()).isEqualTo(EventOutcome.SUCCESS);
        assertThat(watchStarted.eventId()).isNotEqualTo(watchComplete.eventId());
        assertThat(watchComplete.durationMs()).isEqualTo(459_500L);
    }

    @Test
    void theCommonVerbsMapToTypeActionAndResource() {
        ObjectNode verbs = load("verbs.json");
        String[][] expected = {
            // index, event_type, event_action, resource_type, resource_id, resource_name
            {"0", "k8s.pods.get", "get", "pods", "shop/checkout-7d9f8b6c4-x2x9q", "checkout-7d9f8b6c4-x2x9q"},
            {"1", "k8s.pods.list", "list", "pods", "shop/*", null},
            {"3", "k8s.configmaps.watch", "watch", "configmaps", "shop/*", null},
            {"5", "k8s.deployments.create", "create", "deployments.apps", "shop/cart", "cart"},
            {"6", "k8s.configmaps.update", "update", "configmaps", "shop/cart-settings", "cart-settings"},
            {"7", "k8s.deployments.scale.patch", "patch", "deployments.apps/scale", "shop/cart", "cart"},
            {"8", "k8s.secrets.delete", "delete", "secrets", "shop/payment-api-key", "payment-api-key"},
            {"9", "k8s.pods.deletecollection", "deletecollection", "pods", "shop/*", null},
        };
        for (String[] row : expected) {
            AuditEvent e = stored(DEFAULT, item(verbs, Integer.parseInt(row[0])));
            assertThat(new String[] {
                        row[0], e.eventType(), e.eventAction(), e.resourceType(), e.resourceId(), e.resourceName()
                    })
                    .as("item %s", row[0])
                    .containsExactly(row);
            assertThat(e.namespace()).isEqualTo("shop");
        }
    }

    @Test
    void createKeepsRequestAndResponseObjects() {
        AuditEvent e = stored(DEFAULT, item(load("verbs.json"), 5));
        ObjectNode data = e.eventData().node();
        assertThat(data.at("/request_object/spec/replicas").asInt()).isEqualTo(2);
        assertThat(data.at("/response_object/metadata/uid").asText()).isEqualTo("f0c1d2e3-0000-4a5b-8c9d-0e1f2a3b4c5d");
        assertThat(data.at("/response_status/code").asInt()).isEqualTo(201);
    }

    @Test
    void serviceAccountsAndNodesAreTypedByTheirUserName() {
        AuditEvent sa = stored(DEFAULT, item(load("verbs.json"), 7));
        assertThat(sa.actorType()).isEqualTo("service_account");
        assertThat(sa.actorId()).isEqualTo("system:serviceaccount:kube-system:horizontal-pod-autoscaler");

        AuditEvent node = stored(DEFAULT, item(load("identities.json"), 0));
        assertThat(node.actorType()).isEqualTo("node");
        assertThat(node.actorId()).isEqualTo("system:node:worker-1");
        assertThat(node.resourceType()).isEqualTo("nodes/status");
        assertThat(node.resourceId()).as("cluster-scoped: the name alone").isEqualTo("worker-1");
        assertThat(node.namespace()).isNull();
        assertThat(node.eventType()).isEqualTo("k8s.nodes.status.patch");
    }

    @Test
    void impersonationKeepsTheAuthenticatedUserAsActorAndTheImpersonatedOneInEventData() {
        AuditEvent e = stored(DEFAULT, item(load("identities.json"), 1));
        assertThat(e.actorType()).isEqualTo("user");
        assertThat(e.actorId()).isEqualTo("carol@example.com");
        assertThat(e.actorIp()).isEqualTo("2001:db8::17");
        assertThat(e.eventData().node().at("/impersonated_user/username").asText())
                .isEqualTo("system:serviceaccount:payments:api");
    }

    @Test
    void aForbiddenListIsAFailureWithTheStatusReasonAndMessage() {
        AuditEvent e = stored(DEFAULT, item(load("identities.json"), 2));
        assertThat(e.eventOutcome()).isEqualTo(EventOutcome.FAILURE);
        assertThat(e.errorCode()).isEqualTo("Forbidden");
        assertThat(e.errorMessage()).startsWith("secrets is forbidden: User \"mallory@example.com\"");
        assertThat(e.resourceId()).as("a cluster-wide list").isEqualTo("*");
        assertThat(e.namespace()).isNull();
        assertThat(e.actorIp()).isEqualTo("10.0.0.77");
        assertThat(e.eventData()
                        .node()
                        .at("/annotations/authorization.k8s.io~1decision")
                        .asText())
                .isEqualTo("forbid");
    }

    @Test
    void aPanicIsAFailure() {
        AuditEvent e = stored(DEFAULT, item(load("identities.json"), 3));
        assertThat(e.eventOutcome()).isEqualTo(EventOutcome.FAILURE);
        assertThat(e.errorCode()).isEqualTo("InternalError");
        assertThat(e.errorMessage()).startsWith("APIServer panic'd");
        assertThat(e.eventType()).isEqualTo("k8s.jobs.get");
        assertThat(e.resourceType()).isEqualTo("jobs.batch");

        ObjectNode bare = item(load("identities.json"), 3);
        bare.remove("responseStatus");
        AuditEvent noStatus = stored(DEFAULT, bare);
        assertThat(noStatus.eventOutcome()).isEqualTo(EventOutcome.FAILURE);
        assertThat(noStatus.errorCode()).isEqualTo("Panic");
    }

    @Test
    void aNonResourceRequestIsIdentifiedByItsPath() {
        AuditEvent e = stored(DEFAULT, item(load("identities.json"), 4));
        assertThat(e.eventType()).isEqualTo("k8s.nonresource.get");
        assertThat(e.resourceType()).isEqualTo("nonresource");
        assertThat(e.resourceId()).isEqualTo("/readyz");
        assertThat(e.actorId()).isEqualTo("system:anonymous");
        assertThat(e.actorType()).isEqualTo("user");
    }

    @Test
    void anObjectPastTheEventDataLimitIsReplacedByAMarkerWithItsSize() {
        ObjectNode list = K8sFixtures.withLargeConfigMap(load("identities.json"), 300 * 1024);
        AuditEvent e = stored(DEFAULT, item(list, 5));
        ObjectNode data = e.eventData().node();
        assertThat(data.at("/request_object/truncated").asBoolean()).isTrue();
        assertThat(data.at("/request_object/reason").asText()).isEqualTo("size");
        assertThat(data.at("/request_object/original_bytes").asLong()).isGreaterThan(300 * 1024);
        assertThat(data.at("/response_object/metadata/name").asText())
                .as("the small response object still fits")
                .isEqualTo("catalog-snapshot");
        assertThat(e.eventData().jsonBytes()).isLessThanOrEqualTo(ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES);

        ObjectNode fits = K8sFixtures.withLargeConfigMap(load("identities.json"), 200 * 1024);
        assertThat(stored(DEFAULT, item(fits, 5))
                        .eventData()
                        .node()
                        .at("/request_object/data/catalog.json")
                        .asText())
                .hasSize(200 * 1024);
    }

    @Test
    void anObjectNestedPastTheLimitIsReplacedByAMarker() {
        ObjectNode list = load("identities.json");
        ObjectNode deep = item(list, 5).putObject("requestObject");
        ObjectNode cursor = deep;
        for (int i = 0; i < 40; i++) {
            cursor = cursor.putObject("n");
        }
        AuditEvent e = stored(DEFAULT, item(list, 5));
        assertThat(e.eventData().node().at("/request_object/reason").asText()).isEqualTo("nesting");
    }

    @Test
    void anObjectWithANulCharacterIsMarkedAndTheEventKept() {
        ObjectNode list = load("identities.json");
        ((ObjectNode) item(list, 5).get("requestObject").get("data")).put("catalog.json", "a\u0000b");
        AuditEvent e = stored(DEFAULT, item(list, 5));
        assertThat(e.eventData().node().at("/request_object/reason").asText()).isEqualTo("content");
    }

    @Test
    void malformedItemsNameTheKubernetesField() {
        ObjectNode bad = load("malformed.json");
        assertThat(malformed(item(bad, 1)))
                .extracting(KubernetesAuditMapping.Malformed::auditId, KubernetesAuditMapping.Malformed::field)
                .containsExactly("9e8d7c6b-5a49-4382-9170-a1b2c3d4e502", "stageTimestamp");
        assertThat(malformed(item(bad, 2)).field()).isEqualTo("responseStatus.code");
        assertThat(malformed(TextNode.valueOf("not an event")).field()).isEmpty();

        ObjectNode noId = item(load("malformed.json"), 0);
        noId.remove("auditID");
        assertThat(malformed(noId).field()).isEqualTo("auditID");
        ObjectNode badStage = item(load("malformed.json"), 0);
        badStage.put("stage", "Done");
        assertThat(malformed(badStage).detail()).contains("must be one of").contains("\"Done\"");
        ObjectNode noUser = item(load("malformed.json"), 0);
        noUser.remove("user");
        assertThat(malformed(noUser).field()).isEqualTo("user.username");
        ObjectNode numberVerb = item(load("malformed.json"), 0);
        numberVerb.set("verb", IntNode.valueOf(3));
        assertThat(malformed(numberVerb).field()).isEqualTo("verb");
    }

    @Test
    void anEventOlderThanMaxPastIsMalformedWithTheWindowNamed() {
        AuditEvent ok = stored(DEFAULT, item(load("malformed.json"), 0));
        assertThat(ok).isNotNull();
        KubernetesAuditMapping.Result r =
                DEFAULT.map(CLUSTER, item(load("malformed.json"), 0), NOW.plus(Duration.ofDays(31)));
        assertThat(r).isInstanceOf(KubernetesAuditMapping.Malformed.class);
        KubernetesAuditMapping.Malformed m = (KubernetesAuditMapping.Malformed) r;
        assertThat(m.field()).isEqualTo("stageTimestamp");
        assertThat(m.detail()).contains("must not be more than 30d in the past");
    }

    @Test
    void eventTypesAreSanitisedAndBounded() {
        ObjectNode e = item(load("verbs.json"), 0);
        e.put("verb", "Escalate:Now");
        ((ObjectNode) e.get("objectRef")).put("resource", "Widgets.v2");
        assertThat(stored(DEFAULT, e).eventType()).isEqualTo("k8s.widgets_v2.escalate_now");

        ((ObjectNode) e.get("objectRef")).put("resource", "r".repeat(300));
        e.put("verb", "v".repeat(80));
        AuditEvent long_ = stored(DEFAULT, e);
        assertThat(long_.eventType()).hasSize(100).startsWith("k8s.rrr").endsWith("." + "v".repeat(30));
        assertThat(long_.eventAction()).hasSize(50);

        // a cut that lands right after the resource must not leave an empty part
        e.put("verb", "get");
        ((ObjectNode) e.get("objectRef")).put("resource", "r".repeat(91)).put("subresource", "status");
        assertThat(stored(DEFAULT, e).eventType()).isEqualTo("k8s." + "r".repeat(91) + ".get");
    }

    @Test
    void identifiersLongerThanTheColumnKeepAPrefixAndAHashOfTheWhole() {
        ObjectNode e = item(load("verbs.json"), 0);
        String longName = "n".repeat(253);
        ((ObjectNode) e.get("objectRef")).put("namespace", "a".repeat(63)).put("name", longName);
        AuditEvent m = stored(DEFAULT, e);
        assertThat(m.resourceId())
                .hasSize(255)
                .startsWith("a".repeat(63) + "/nnn")
                .contains("~");
        assertThat(m.resourceName()).isEqualTo(longName);

        ((ObjectNode) e.get("objectRef")).put("name", longName.substring(1) + "m");
        assertThat(stored(DEFAULT, e).resourceId()).isNotEqualTo(m.resourceId());
    }

    @Test
    void anActorIpThatIsNotAnAddressIsLeftOut() {
        ObjectNode e = item(load("verbs.json"), 0);
        e.putArray("sourceIPs").add("10.0.0.1").add("not-an-ip");
        assertThat(stored(DEFAULT, e).actorIp()).isNull();
        e.remove("sourceIPs");
        assertThat(stored(DEFAULT, e).actorIp()).isNull();
    }

    @Test
    void eventIdsDependOnClusterAuditIdAndStage() {
        var a = KubernetesAuditMapping.eventId("c1", "id", "ResponseComplete");
        assertThat(KubernetesAuditMapping.eventId("c1", "id", "ResponseComplete"))
                .isEqualTo(a);
        assertThat(Set.of(
                        a,
                        KubernetesAuditMapping.eventId("c2", "id", "ResponseComplete"),
                        KubernetesAuditMapping.eventId("c1", "id2", "ResponseComplete"),
                        KubernetesAuditMapping.eventId("c1", "id", "Panic")))
                .hasSize(4);
    }
}
