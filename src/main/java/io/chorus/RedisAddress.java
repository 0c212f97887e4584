package io.chorus;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether this replica is part of a cluster: a Redis address is configured ({@code quarkus.redis.hosts} /
 * {@code QUARKUS_REDIS_HOSTS}). The backplane and presence choose their implementation from it.
 */
@Singleton
public class RedisAddress {

    private final Optional<String> hosts;
    private final boolean cluster;

    RedisAddress(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> hosts,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.hosts = hosts.filter(h -> !h.isBlank());
        this.cluster = "cluster".equalsIgnoreCase(clientType);
    }

    /** Whether the Redis is a Redis Cluster ({@code quarkus.redis.client-type=cluster}): then pub/sub is sharded. */
    public boolean isCluster() {
        return cluster;
    }

    public boolean isConfigured() {
        return hosts.isPresent();
    }

    /** The configured hosts without credentials ({@code redis://user:secret@host} becomes {@code redis://host}), for logs. */
    public String display() {
        return hosts.map(h -> h.replaceAll("//[^/@,]*@", "//")).orElse("(none)");
    }
}
