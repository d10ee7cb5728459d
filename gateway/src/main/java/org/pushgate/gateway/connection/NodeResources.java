package org.pushgate.gateway.connection;

import org.pushgate.gateway.auth.ClientAuth;
import org.pushgate.gateway.broker.Broker;
import org.pushgate.gateway.hub.BufferSettings;
import org.pushgate.gateway.hub.Hub;

/**
 * What every connection of this node uses and none of them owns: the hub, the broker, the registry, the settings, the
 * buffer bounds, client authentication and where disconnects are counted. One instance per node; a connection
 * holds one reference to it rather than six.
 */
record NodeResources(Hub hub, Broker broker, ConnectionRegistry registry, ConnectionSettings settings,
                     BufferSettings buffers, ClientAuth auth, ConnectionEvents events) {
}
