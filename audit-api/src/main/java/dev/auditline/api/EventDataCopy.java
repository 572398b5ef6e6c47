package dev.auditline.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Copies one JSON object token by token from a parser to its compact text, measuring it on the way:
 * numbers are written as the very text that was read (never through a {@code double}), keys are
 * checked for duplicates per object, and every key and string is checked once. One pass, no tree.
 */
final class EventDataCopy {
    private final List<Set<String>> keysByDepth = new ArrayList<>();

    /**
     * Copies the object the parser is positioned on ({@link JsonToken#START_OBJECT}) and leaves the
     * parser on its {@link JsonToken#END_OBJECT}.
     */
    EventDataScan copy(JsonParser in, CompactJsonText out) throws IOException {
        EventDataScan scan = new EventDataScan();
        int depth = 0;
        JsonToken token = in.currentToken();
        while (true) {
            switch (token) {
                case START_OBJECT -> {
                    out.startObject();
                    depth++;
                    scan.nesting(depth);
                    keys(depth).clear();
                }
                case START_ARRAY -> {
                    out.startArray();
                    depth++;
                    scan.nesting(depth);
                }
                case END_OBJECT -> {
                    out.end('}');
                    depth--;
                }
                case END_ARRAY -> {
                    out.end(']');
                    depth--;
                }
                case FIELD_NAME -> {
                    String name = in.currentName();
                    if (!keys(depth).add(name)) {
                        scan.duplicateKey(in.getParsingContext(), depth);
                    }
                    scan.key(name, in.getParsingContext(), depth);
                    out.fieldName(name);
                }
                case VALUE_STRING -> {
                    String text = in.getText();
                    scan.text(text, in.getParsingContext(), depth);
                    out.value(text);
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    String text = in.getText();
                    if (in.isNaN()) {
                        // only a tree holding a non-finite double gets here; JSON has no such number
                        out.value(text);
                    } else {
                        scan.number(text, in.getParsingContext(), depth);
                        out.literal(text);
                    }
                }
                case VALUE_TRUE -> out.literal("true");
                case VALUE_FALSE -> out.literal("false");
                case VALUE_NULL -> out.literal("null");
                default -> {
                    // only a tree can hold other tokens (an embedded object); it is written as its text
                    String text = in.getText();
                    scan.text(text, in.getParsingContext(), depth);
                    out.value(text);
                }
            }
            if (depth == 0) {
                return scan;
            }
            token = in.nextToken();
            if (token == null) {
                throw new JsonParseException(in, "event_data: the JSON text ends inside the object");
            }
        }
    }

    private Set<String> keys(int depth) {
        while (keysByDepth.size() <= depth) {
            keysByDepth.add(new HashSet<>());
        }
        return keysByDepth.get(depth);
    }
}
