package dev.auditline.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Outcome of the audited action. Serialized in lower case: {@code success}, {@code failure}, {@code pending}. */
public enum EventOutcome {
    SUCCESS,
    FAILURE,
    PENDING;

    /** Read for every stored event a query returns and written in every answer: made once. */
    private static final EventOutcome[] VALUES = values();

    private final String wireName = name().toLowerCase(Locale.ROOT);

    @JsonValue
    public String wireName() {
        return wireName;
    }

    /**
     * Parses the wire name.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code value} is not one of them
     */
    @JsonCreator
    public static EventOutcome fromWire(String value) {
        for (EventOutcome outcome : VALUES) {
            if (outcome.wireName().equals(value)) {
                return outcome;
            }
        }
        throw new IllegalArgumentException(
                "must be one of success, failure, pending (got " + EventRules.quote(value) + ")");
    }
}
