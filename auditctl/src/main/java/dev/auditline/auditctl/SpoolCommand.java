package dev.auditline.auditctl;

import picocli.CommandLine.Command;

@Command(
        name = "spool",
        mixinStandardHelpOptions = true,
        description = {
            "Looks into, and replays, a client spool: the directory (audit.spool.dir) where a service's"
                    + " audit client kept the batches it could not deliver."
        },
        subcommands = {SpoolInspectCommand.class, SpoolReplayCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl spool inspect /var/lib/orchestrator/audit-spool",
            "  auditctl spool replay /var/lib/orchestrator/audit-spool --url http://datastorage:8080"
        })
final class SpoolCommand {
    @picocli.CommandLine.ParentCommand
    Auditctl root;
}
