/**
 * The coordinator's side of each scenario (phases, verdict), sharing one {@code Run} per invocation;
 * {@link org.pushgate.load.scenario.Scenarios} is the entry point.
 */
package org.pushgate.load.scenario;
