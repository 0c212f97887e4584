package io.chorus.backplane;

import io.vertx.mutiny.redis.client.Command;

/**
 * Classic Redis pub/sub, or Redis 7 sharded pub/sub for a Redis Cluster: the commands to send and the push kinds
 * that answer them. Sharded channels live on the shard owning their hash slot, so a subscribe names one channel
 * at a time (channels of one command must share a slot).
 */
enum PubSubFlavor {
    CLASSIC(Command.PUBLISH, Command.SUBSCRIBE, Command.UNSUBSCRIBE, "subscribe", "unsubscribe", "message", 500),
    SHARDED(Command.SPUBLISH, Command.SSUBSCRIBE, Command.SUNSUBSCRIBE, "ssubscribe", "sunsubscribe", "smessage", 1);

    final Command publish;
    final Command subscribe;
    final Command unsubscribe;
    final String subscribedKind;
    final String unsubscribedKind;
    final String messageKind;
    final int channelsPerCommand;

    PubSubFlavor(Command publish, Command subscribe, Command unsubscribe, String subscribedKind,
            String unsubscribedKind, String messageKind, int channelsPerCommand) {
        this.publish = publish;
        this.subscribe = subscribe;
        this.unsubscribe = unsubscribe;
        this.subscribedKind = subscribedKind;
        this.unsubscribedKind = unsubscribedKind;
        this.messageKind = messageKind;
        this.channelsPerCommand = channelsPerCommand;
    }
}
