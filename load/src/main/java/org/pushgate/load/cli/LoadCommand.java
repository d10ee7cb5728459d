package org.pushgate.load.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The command line of {@code java -jar load-gen.jar}: one subcommand per {@link Scenario}, each with the
 * scenario's defaults and help, and the hidden {@code worker <scenario>} of the child processes. Parsing is pure
 * (no I/O), so that it is unit-tested.
 */
@Command(name = "load-gen", sortOptions = false, usageHelpAutoWidth = true,
        synopsisSubcommandLabel = "<scenario>",
        description = "The gateway's load generator: java -jar load/target/load-gen.jar <scenario> [options]; "
                + "<scenario> --help lists its options.",
        footer = "Exit status: 0 pass, 1 the verdict failed, 2 bad usage, 3 the run itself broke.")
public final class LoadCommand {

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    boolean help;

    private LoadCommand() {
    }

    /** The whole tree, with fresh options (the scenarios' defaults) in each subcommand. */
    static CommandLine tree() {
        CommandLine root = new CommandLine(new LoadCommand());
        CommandLine worker = new CommandLine(CommandSpec.create().name("worker"));
        worker.getCommandSpec().usageMessage().hidden(true);
        for (Scenario s : Scenario.values()) {
            root.addSubcommand(s.id(), scenarioCommand(s));
            worker.addSubcommand(s.id(), scenarioCommand(s));
        }
        root.addSubcommand("worker", worker);
        root.registerConverter(Integer.class, new Converters.WholeNumber());
        root.registerConverter(Integer.TYPE, new Converters.WholeNumber());
        root.registerConverter(Double.class, new Converters.Decimal());
        root.registerConverter(Double.TYPE, new Converters.Decimal());
        // Later occurrences win: the scripts put their defaults first and the caller's options after them.
        root.setOverwrittenOptionsAllowed(true);
        return root;
    }

    private static CommandLine scenarioCommand(Scenario s) {
        CommandSpec spec = CommandSpec.forAnnotatedObject(new LoadOptions(s));
        spec.name(s.id());
        spec.usageMessage().description(s.summary(), s.details())
                .footer("", "Defaults finish in under a minute; load/" + s.id() + ".sh passes its own, see load/README.md.");
        // Every option is accepted everywhere (the scripts and old command lines rely on it); the help of a
        // scenario shows the ones that scenario uses.
        for (OptionSpec o : List.copyOf(spec.options())) {
            if (o.userObject() instanceof Field f && f.getAnnotation(LoadOptions.Only.class) != null
                    && !List.of(f.getAnnotation(LoadOptions.Only.class).value()).contains(s)) {
                spec.remove(o);
                spec.addOption(OptionSpec.builder(o).hidden(true).build());
            }
        }
        return new CommandLine(spec);
    }

    /** {@code <scenario> [options]}, {@code worker <scenario> [options]}, or {@code --help}. */
    static LoadOptions parse(String... args) {
        CommandLine root = tree();
        ParseResult result;
        try {
            result = root.parseArgs(args);
        }
        catch (UnmatchedArgumentException e) {
            if (e.getCommandLine() == root && !e.getUnmatched().isEmpty() && !e.getUnmatched().get(0).startsWith("-")) {
                throw new UsageError("unknown scenario '" + e.getUnmatched().get(0) + "' (one of " + Scenario.names()
                        + ")", usage(root));
            }
            throw new UsageError(e.getMessage(), usage(e.getCommandLine()));
        }
        catch (ParameterException e) {
            throw new UsageError(e.getMessage(), usage(e.getCommandLine()));
        }
        ParseResult leaf = result;
        boolean worker = false;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
            worker |= leaf.commandSpec().name().equals("worker");
        }
        boolean help = false;
        for (ParseResult r = result; r != null; r = r.hasSubcommand() ? r.subcommand() : null) {
            help |= r.isUsageHelpRequested();
        }
        if (!(leaf.commandSpec().userObject() instanceof LoadOptions o)) {
            if (help) {
                LoadOptions none = new LoadOptions(null);
                none.help = true;
                none.worker = worker;
                none.usage = usage(leaf.commandSpec().commandLine());
                return none;
            }
            throw new UsageError("missing scenario (one of " + Scenario.names() + ")", usage(root));
        }
        o.worker = worker;
        o.help = help;
        o.usage = usage(leaf.commandSpec().commandLine());
        for (OptionSpec opt : leaf.matchedOptions()) {
            if (opt.usageHelp()) {
                continue;
            }
            List<String> values = opt.originalStringValues();
            o.given.put(opt.longestName().substring(2), values.isEmpty() ? "true" : values.get(values.size() - 1));
        }
        if (!help) {
            try {
                o.validate();
            }
            catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage(), o.usage);
            }
        }
        return o;
    }

    static String usage(CommandLine c) {
        StringWriter w = new StringWriter();
        c.usage(new PrintWriter(w, true), CommandLine.Help.Ansi.OFF);
        return w.toString();
    }

    /** Bad usage: the message, and the help of the command that failed. */
    public static final class UsageError extends IllegalArgumentException {
        private final String usage;

        UsageError(String message, String usage) {
            super(message);
            this.usage = usage;
        }

        public String usage() {
            return usage;
        }
    }
}
