package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvEventsTest {

    @Test
    void plainCellIsWrittenAsIs() {
        assertThat(CsvEvents.cell("orchestrator.approval.requested")).isEqualTo("orchestrator.approval.requested");
    }

    @Test
    void cellWithCommaQuoteOrLineBreakIsQuotedWithQuotesDoubled() {
        assertThat(CsvEvents.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(CsvEvents.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(CsvEvents.cell("line\nbreak")).isEqualTo("\"line\nbreak\"");
        assertThat(CsvEvents.cell("cr\rhere")).isEqualTo("\"cr\rhere\"");
    }

    @Test
    void cellsThatASpreadsheetWouldRunAsFormulasArePrefixedWithAQuote() {
        for (String formula : List.of("=1+1", "+1", "-1", "@SUM(A1)", "\tx")) {
            assertThat(CsvEvents.cell(formula)).as(formula).isEqualTo("'" + formula);
        }
        assertThat(CsvEvents.cell("=cmd|' /C calc'!A0,x")).isEqualTo("\"'=cmd|' /C calc'!A0,x\"");
        assertThat(CsvEvents.cell("a=b")).isEqualTo("a=b");
    }

    @Test
    void rowHasEveryColumnInHeaderOrderWithEventDataAsCompactJson() {
        ObjectNode e = AuditJson.mapper().createObjectNode();
        e.put("event_id", "id-1");
        e.put("event_type", "t");
        e.putNull("severity");
        e.putObject("event_data").put("k", "v, w");

        List<List<String>> rows = Csv.parse(CsvEvents.HEADER + CsvEvents.row(e));

        assertThat(rows.get(0)).containsExactlyElementsOf(CsvEvents.COLUMNS);
        assertThat(rows.get(1)).hasSize(CsvEvents.COLUMNS.size());
        assertThat(rows.get(1).get(0)).isEqualTo("id-1");
        assertThat(rows.get(1).get(CsvEvents.COLUMNS.indexOf("severity"))).isEmpty();
        assertThat(rows.get(1).get(CsvEvents.COLUMNS.size() - 1)).isEqualTo("{\"k\":\"v, w\"}");
    }
}
