/**
 * Which server the generator drives ({@code --target}): the same WebSocket client, scenarios and report, with
 * only the URLs, the publish request and the reading of a delivered frame depending on the server
 * ({@link org.pushgate.load.server.Target}); and the server's own CPU time from /proc
 * ({@link org.pushgate.load.server.ServerCpu}), the figure a side-by-side comparison divides.
 */
package org.pushgate.load.server;
