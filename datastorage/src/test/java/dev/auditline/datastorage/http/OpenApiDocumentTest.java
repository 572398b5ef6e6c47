package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The served document parses as OpenAPI 3.1 without messages and names every route. */
class OpenApiDocumentTest {
    private static String document() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream(OpsRoutes.OPENAPI_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesAsOpenApi31WithoutMessages() throws IOException {
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(document());

        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
    }

    @Test
    void describesEveryRoute() throws IOException {
        OpenAPI api = new OpenAPIV3Parser().readContents(document()).getOpenAPI();

        assertThat(api.getPaths().get(IngestRoutes.BATCH).getPost()).isNotNull();
        assertThat(api.getPaths().get(IngestRoutes.SINGLE).getPost()).isNotNull();
        assertThat(api.getPaths().get(QueryRoutes.LIST).getGet()).isNotNull();
        assertThat(api.getPaths().get(QueryRoutes.BY_ID).getGet()).isNotNull();
        for (String path : new String[] {"/api/v1/limits", "/healthz", "/readyz", "/metrics", "/openapi.yaml"}) {
            assertThat(api.getPaths().get(path).getGet()).as(path).isNotNull();
        }
        for (String path : new String[] {
            VerifiableLogRoutes.CHECKPOINT,
            VerifiableLogRoutes.KEYS,
            VerifiableLogRoutes.INCLUSION,
            VerifiableLogRoutes.CONSISTENCY,
            VerifiableLogRoutes.LEAVES,
            VerifiableLogRoutes.RETENTION
        }) {
            assertThat(api.getPaths().get(path).getGet()).as(path).isNotNull();
        }
        assertThat(api.getComponents().getSchemas()).containsKeys("Problem", "BatchResponse", "StoredEvent");
    }

    @Test
    void declaresTheViewerSearchAndItsRefusedHead() throws IOException {
        OpenAPI api = new OpenAPIV3Parser().readContents(document()).getOpenAPI();
        PathItem search = api.getPaths().get(ViewerRoutes.SEARCH);

        assertThat(search).as(ViewerRoutes.SEARCH).isNotNull();
        assertThat(search.getGet().getResponses()).containsKeys("200", "400", "401", "403");
        assertThat(search.getGet().getParameters())
                .extracting(Parameter::getName)
                .contains("view", "correlation_id", "cursor");
        // a HEAD gets no answer, so it is refused rather than recorded as a look nobody got
        assertThat(search.getHead()).as("HEAD " + ViewerRoutes.SEARCH).isNotNull();
        ApiResponses head = search.getHead().getResponses();
        assertThat(head).containsOnlyKeys("401", "403", "405");
        Header allow = head.get("405").getHeaders().get("Allow");
        assertThat(allow.getRequired()).isTrue();
        assertThat(allow.getSchema().getEnum()).containsExactly("GET");
    }
}
