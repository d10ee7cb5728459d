package org.pushgate.gateway.protocol;

import org.pushgate.gateway.config.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the client protocol's validation: channel names and the command decoder's limits. */
@Configuration(proxyBeanMethods = false)
class ProtocolConfiguration {

    @Bean
    ChannelNames channelNames(GatewayProperties properties) {
        return new ChannelNames(properties.limits().maxChannelNameLength());
    }

    @Bean
    CommandDecoder commandDecoder(ChannelNames channelNames, GatewayProperties properties) {
        return new CommandDecoder(channelNames, properties.limits().maxFrameBytes(), properties.limits().maxTokenBytes());
    }
}
