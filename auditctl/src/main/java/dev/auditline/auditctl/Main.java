package dev.auditline.auditctl;

/** Entry point of {@code java -jar auditctl.jar}; exits with the code {@link Auditctl} documents. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Auditctl.run(args));
    }
}
