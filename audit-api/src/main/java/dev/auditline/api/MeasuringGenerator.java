package dev.auditline.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A generator that measures the {@code event_data} object it writes (nesting, text, numbers), so a
 * client's map or tree is serialized once, when the event is built, and never scanned again.
 */
final class MeasuringGenerator extends JsonGeneratorDelegate {
    private final EventDataScan scan = new EventDataScan();

    MeasuringGenerator(JsonGenerator out) {
        super(out, false);
    }

    EventDataScan scan() {
        return scan;
    }

    @Override
    public void writeEndObject() throws IOException {
        scan.nesting(getOutputContext().getNestingDepth());
        super.writeEndObject();
    }

    @Override
    public void writeEndArray() throws IOException {
        scan.nesting(getOutputContext().getNestingDepth());
        super.writeEndArray();
    }

    @Override
    public void writeFieldName(String name) throws IOException {
        super.writeFieldName(name);
        scan.key(name, getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeFieldName(SerializableString name) throws IOException {
        super.writeFieldName(name);
        scan.key(name.getValue(), getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeString(String text) throws IOException {
        super.writeString(text);
        scan.text(text, getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeString(char[] text, int offset, int len) throws IOException {
        super.writeString(text, offset, len);
        scan.text(
                new String(text, offset, len),
                getOutputContext(),
                getOutputContext().getNestingDepth());
    }

    @Override
    public void writeString(SerializableString text) throws IOException {
        super.writeString(text);
        scan.text(text.getValue(), getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeNumber(BigInteger v) throws IOException {
        super.writeNumber(v);
        scan.number(v.toString(), getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeNumber(BigDecimal v) throws IOException {
        super.writeNumber(v);
        scan.number(v.toString(), getOutputContext(), getOutputContext().getNestingDepth());
    }

    @Override
    public void writeNumber(String encodedValue) throws IOException {
        super.writeNumber(encodedValue);
        scan.number(encodedValue, getOutputContext(), getOutputContext().getNestingDepth());
    }
}
