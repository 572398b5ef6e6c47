package dev.auditline.api.json;

/**
 * A request body that cannot be read as a whole (not UTF-8, not JSON, not a batch, too many
 * events): the answer is a 400 naming the rule, and no item of it is stored. Rules an item breaks
 * on its own are never a refusal: they reject that item only.
 */
public final class BodyRefusal extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String type;
    private final String field;
    private final Long limit;

    BodyRefusal(String type, String detail, String field, Long limit) {
        super(detail);
        this.type = type;
        this.field = field;
        this.limit = limit;
    }

    static BodyRefusal body(String detail) {
        return new BodyRefusal("invalid-body", detail, null, null);
    }

    static BodyRefusal body(String detail, long limit) {
        return new BodyRefusal("invalid-body", detail, null, limit);
    }

    static BodyRefusal batch(String detail) {
        return new BodyRefusal("invalid-batch", detail, "events", null);
    }

    /** The problem type's last path segment: {@code invalid-body}, {@code invalid-batch}, {@code batch-too-large}. */
    public String type() {
        return type;
    }

    /** The field the refusal is about, or {@code null} for the body as a whole. */
    public String field() {
        return field;
    }

    /** The limit that was passed, or {@code null}. */
    public Long limit() {
        return limit;
    }
}
