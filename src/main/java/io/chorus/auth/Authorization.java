package io.chorus.auth;

import java.util.List;
import java.util.stream.Stream;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;

/**
 * Turns what a token grants into a user's {@link GrantedPermissions}, filling gaps from {@code chorus.auth.defaults}.
 */
@Singleton
public class Authorization {

    private final ChorusConfig.Grants defaults;
    private final String privatePrefix;
    /** The defaults' permissions, one instance for everyone, when no default pattern names {@code {user}}. */
    private final GrantedPermissions shared;

    Authorization(ChorusConfig config) {
        this.defaults = config.auth().defaults();
        this.privatePrefix = config.auth().privatePrefix();
        boolean personal = Stream.of(defaults.subscribe(), defaults.publish(), defaults.presence(), defaults.direct())
                .flatMap(List::stream).anyMatch(pattern -> pattern.contains("{user}"));
        this.shared = personal ? null : build("", Grant.DEFAULTS);
    }

    /** A user's permissions; every connection that gets the defaults shares one instance (they hold none of its own). */
    public GrantedPermissions permissionsOf(String user, Grant grant) {
        return grant == Grant.DEFAULTS && shared != null ? shared : build(user, grant);
    }

    private GrantedPermissions build(String user, Grant grant) {
        return new GrantedPermissions(
                patterns(grant.subscribe(), defaults.subscribe(), user),
                patterns(grant.publish(), defaults.publish(), user),
                patterns(grant.presence(), defaults.presence(), user),
                new RoomPatterns(grant.direct() != null ? grant.direct() : defaults.direct(), user, ""),
                grant.broadcast() != null ? grant.broadcast() : defaults.broadcast(),
                grant.online() != null ? grant.online() : defaults.online());
    }

    private RoomPatterns patterns(List<String> granted, List<String> fallback, String user) {
        return new RoomPatterns(granted != null ? granted : fallback, user, privatePrefix);
    }
}
