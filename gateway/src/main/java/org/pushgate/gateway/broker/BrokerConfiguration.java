package org.pushgate.gateway.broker;

import org.pushgate.gateway.hub.Hub;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the broker: the embedded single-node one. */
@Configuration(proxyBeanMethods = false)
class BrokerConfiguration {

    @Bean
    Broker broker(Hub hub) {
        return new LocalBroker(hub);
    }
}
