package io.chorus.auth;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.transport.UpgradeOrder;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.smallrye.mutiny.Uni;

/**
 * Outside anonymous mode, a JWT in {@code ?token=} is verified at the upgrade: refused gets HTTP 401 before any
 * WebSocket exists. The verified user, expiry and grant travel to the connection in its user data. An upgrade
 * without a token is let through: the connection must then send its token in an {@code auth} frame first
 * ({@link UserIdentity#authenticate}).
 */
@Singleton
@Priority(UpgradeOrder.AUTHENTICATION)
public class TokenAuthentication implements HttpUpgradeCheck {

    /** The user id from the verified token. */
    public static final TypedKey<String> USER = TypedKey.forString("chorus.token-user");
    /** When the token expires, seconds since the epoch (0: never). */
    public static final TypedKey<Long> EXPIRES = TypedKey.forLong("chorus.token-expires");
    /** What the token's {@code chorus} claim grants. */
    static final TypedKey<Grant> GRANT = new TypedKey<>("chorus.token-grant");

    private static final Logger LOG = Logger.getLogger(TokenAuthentication.class);

    private final TokenVerifier verifier;
    private final boolean anonymous;

    private final ChorusMeters meters;

    TokenAuthentication(TokenVerifier verifier, ChorusConfig config, ChorusMeters meters) {
        this.meters = meters;
        this.verifier = verifier;
        this.anonymous = config.auth().anonymous();
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (anonymous) {
            return CheckResult.permitUpgrade();
        }
        String token = UserIdentity.queryParameter(context.httpRequest().query(), "token");
        if (token == null) {
            return CheckResult.permitUpgrade(); // it authenticates with its first frame
        }
        return verifier.verify(token).map(verified -> {
            context.userData().put(USER, verified.user());
            context.userData().put(EXPIRES, verified.expires());
            context.userData().put(GRANT, verified.grant());
            return CheckResult.permitUpgradeSync();
        }).onFailure().recoverWithItem(failure -> {
            LOG.debugf("Refused an upgrade: %s", failure.getMessage());
            meters.refused(Refusal.AUTHENTICATION);
            return CheckResult.rejectUpgradeSync(401);
        });
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return "chorus".equals(endpointId);
    }
}
