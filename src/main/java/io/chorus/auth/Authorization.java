package io.chorus.auth;

import java.util.List;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;

/** Turns what a token grants into a user's {@link Permissions}, filling gaps from {@code chorus.auth.defaults}. */
@Singleton
public class Authorization {

    private final ChorusConfig.Grants defaults;
    private final String privatePrefix;

    Authorization(ChorusConfig config) {
        this.defaults = config.auth().defaults();
        this.privatePrefix = config.auth().privatePrefix();
    }

    public Permissions permissionsOf(String user, Grant grant) {
        return new Permissions(
                patterns(grant.subscribe(), defaults.subscribe(), user),
                patterns(grant.publish(), defaults.publish(), user),
                patterns(grant.presence(), defaults.presence(), user),
                grant.broadcast() != null ? grant.broadcast() : defaults.broadcast(),
                grant.online() != null ? grant.online() : defaults.online());
    }

    private RoomPatterns patterns(List<String> granted, List<String> fallback, String user) {
        return new RoomPatterns(granted != null ? granted : fallback, user, privatePrefix);
    }
}
