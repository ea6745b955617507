package org.pkeworkbench.cli;

import picocli.CommandLine;

/** The list of subcommands; each command class lives in its own file of this package. */
final class Commands {

    private Commands() {}

    static void register(CommandLine commandLine) {
        commandLine.addSubcommand(new ForwardCommand());
        commandLine.addSubcommand(new GenerateCommand());
        commandLine.addSubcommand(new PromptCommand());
        commandLine.addSubcommand(new LogitLensCommand());
        commandLine.addSubcommand(new CausalTraceCommand());
        commandLine.addSubcommand(new ContributionsCommand());
        commandLine.addSubcommand(new CompareCommand());
        commandLine.addSubcommand(new WeightsCommand());
        commandLine.addSubcommand(new EditCommand());
        commandLine.addSubcommand(new ApplyDeltaCommand());
        commandLine.addSubcommand(new CompareMethodsCommand());
        commandLine.addSubcommand(new JudgeAgreementCommand());
        commandLine.addSubcommand(new WinRateCommand());
        commandLine.addSubcommand(new ReportCommand());
        commandLine.addSubcommand(new CompareReportsCommand());
        commandLine.addSubcommand(new MakeDemoModelCommand());
        commandLine.addSubcommand(new WorkbenchCommand());
        commandLine.addSubcommand(new SelfCheckCommand());
        commandLine.addSubcommand(new BenchCommand());
        // Every command lists --version through its standard help options, so each prints the program's version.
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Main.Version()));
    }
}
