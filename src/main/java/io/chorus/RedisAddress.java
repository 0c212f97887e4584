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

    RedisAddress(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> hosts) {
        this.hosts = hosts.filter(h -> !h.isBlank());
    }

    public boolean isConfigured() {
        return hosts.isPresent();
    }

    /** The configured hosts without credentials ({@code redis://user:secret@host} becomes {@code redis://host}), for logs. */
    public String display() {
        return hosts.map(h -> h.replaceAll("//[^/@,]*@", "//")).orElse("(none)");
    }
}
