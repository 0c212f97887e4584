package io.chorus;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Supplies a short random {@code chorus.replica-id} when none is configured, at the lowest priority, so that the
 * log format and the beans read the very same id.
 */
public class ReplicaIdConfigSource implements ConfigSource {

    static final String KEY = "chorus.replica-id";

    private final String id = HexFormat.of().formatHex(randomBytes(3));

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(KEY);
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of(KEY, id);
    }

    @Override
    public String getValue(String propertyName) {
        return KEY.equals(propertyName) ? id : null;
    }

    @Override
    public String getName() {
        return "chorus-random-replica-id";
    }

    @Override
    public int getOrdinal() {
        return 1;
    }
}
