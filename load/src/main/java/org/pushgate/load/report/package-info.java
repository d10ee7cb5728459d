/**
 * The result of a run: {@link org.pushgate.load.report.Report} (sections, checks, warnings), written as JSON by
 * {@link org.pushgate.load.report.JsonCodec} and as one script-free HTML page rendered from the same tree.
 */
package org.pushgate.load.report;
