/**
 * The command line: {@link org.pushgate.load.cli.Scenario} (the one list of scenarios and their defaults), the
 * picocli subcommands built from it, and {@link org.pushgate.load.cli.LoadOptions}, the parsed values every other
 * package reads.
 */
package org.pushgate.load.cli;
