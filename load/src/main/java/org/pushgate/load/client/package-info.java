/**
 * What the generator speaks to the gateway besides its WebSocket connections: the JSON frames, the publish API
 * ({@link org.pushgate.load.client.Publisher}), and the probe of its metrics, heap and RSS
 * ({@link org.pushgate.load.client.ServerProbe}).
 */
package org.pushgate.load.client;
