package dev.auditline.auditctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs auditctl in-process, as {@code java -jar auditctl.jar} would, and keeps what it printed. */
record Cli(int code, String out, String err) {
    static Cli run(String url, String... args) {
        List<String> all = new ArrayList<>();
        all.add("--url");
        all.add(url);
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Auditctl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Cli(code, out.toString(), err.toString());
    }

    List<String> lines() {
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
}
