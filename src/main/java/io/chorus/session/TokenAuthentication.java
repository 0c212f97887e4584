package io.chorus.session;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.auth.TokenVerifier;
import io.chorus.auth.UserIdentity;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/**
 * Outside anonymous mode, a JWT in {@code ?token=} is verified at the upgrade: refused gets HTTP 401 before any
 * WebSocket exists. The verified user, expiry and the permissions the token grants travel to the connection in its
 * {@link Session} ({@link UserIdentity#accept}). An upgrade without a token is let through: the connection must then
 * send its token in an {@code auth} frame first ({@link UserIdentity#authenticate}).
 */
@Singleton
@Priority(UpgradeOrder.AUTHENTICATION)
public class TokenAuthentication implements HttpUpgradeCheck {

    private static final Logger LOG = Logger.getLogger(TokenAuthentication.class);

    private final TokenVerifier verifier;
    private final UserIdentity identity;
    private final boolean anonymous;

    private final ChorusMeters meters;

    TokenAuthentication(TokenVerifier verifier, UserIdentity identity, ChorusConfig config, ChorusMeters meters) {
        this.meters = meters;
        this.verifier = verifier;
        this.identity = identity;
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
            identity.accept(WebSocketLink.at(context.userData()), verified);
            return CheckResult.permitUpgradeSync();
        }).onFailure().recoverWithItem(failure -> {
            LOG.debugf("Refused an upgrade: %s", failure.getMessage());
            meters.refused(Refusal.AUTHENTICATION);
            return CheckResult.rejectUpgradeSync(401);
        });
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.NATIVE.equals(endpointId);
    }
}
