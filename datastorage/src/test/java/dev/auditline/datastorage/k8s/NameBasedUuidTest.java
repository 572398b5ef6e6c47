package dev.auditline.datastorage.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class NameBasedUuidTest {
    private static final UUID NAMESPACE_DNS = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

    @Test
    void matchesTheVersion5ExampleOfRfc9562() {
        // RFC 9562, appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace
        assertThat(NameBasedUuid.v5(NAMESPACE_DNS, "www.example.com"))
                .isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    @Test
    void carriesVersion5AndTheRfcVariant() {
        UUID u = NameBasedUuid.v5(KubernetesAuditMapping.EVENT_ID_NAMESPACE, "prod/abc/ResponseComplete");
        assertThat(u.version()).isEqualTo(5);
        assertThat(u.variant()).isEqualTo(2);
    }
}
