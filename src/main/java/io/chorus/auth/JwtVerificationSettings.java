package io.chorus.auth;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;

/**
 * How client tokens are verified: the MicroProfile JWT settings ({@code mp.jwt.verify.*}, and SmallRye's
 * {@code smallrye.jwt.verify.key.location}) read into SmallRye JWT's {@link JWTAuthContextInfo}. These are the
 * standard names, so an identity provider's usual instructions apply unchanged; README.md lists them.
 * <p>
 * Only the SmallRye JWT library is used, not the Quarkus extension around it: the extension brings the HTTP security
 * layer, which makes websockets-next hold every connection's upgrade request for the connection's life.
 */
@Singleton
@RegisterForReflection(targets = SignatureAlgorithm.class) // SmallRye JWT looks its algorithms up by name
public class JwtVerificationSettings {

    /** The public key (PEM, base64 DER, JWK or JWK set) or an HS256 secret as a JWK. */
    @ConfigProperty(name = "mp.jwt.verify.publickey")
    Optional<String> publicKey;

    /** Where the key is: a file, a classpath resource or a URL (a JWKS URL chooses keys by {@code kid}). */
    @ConfigProperty(name = "mp.jwt.verify.publickey.location")
    Optional<String> publicKeyLocation;

    /** SmallRye's name for the same location, also used for secret (HS256) keys. */
    @ConfigProperty(name = "smallrye.jwt.verify.key.location")
    Optional<String> keyLocation;

    /** RS256 (default), ES256, HS256, …. */
    @ConfigProperty(name = "mp.jwt.verify.publickey.algorithm")
    Optional<String> algorithm;

    @ConfigProperty(name = "mp.jwt.verify.issuer")
    Optional<String> issuer;

    @ConfigProperty(name = "mp.jwt.verify.audiences")
    Optional<List<String>> audiences;

    /** Seconds of clock difference tolerated when checking {@code exp} and {@code iat}. */
    @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "60")
    int clockSkew;

    /** Whether a key is configured at all; without one every token is refused. */
    public boolean hasKey() {
        return publicKey.isPresent() || location().isPresent();
    }

    JWTAuthContextInfo contextInfo() {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        publicKey.ifPresent(info::setPublicKeyContent);
        location().ifPresent(info::setPublicKeyLocation);
        algorithm.ifPresent(name -> info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.fromAlgorithm(name))));
        issuer.ifPresent(info::setIssuedBy);
        audiences.ifPresent(expected -> info.setExpectedAudience(Set.copyOf(expected)));
        info.setClockSkew(clockSkew);
        return info;
    }

    private Optional<String> location() {
        return publicKeyLocation.or(() -> keyLocation);
    }
}
