package io.chorus.pusher;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.auth.RoomPatterns;

/**
 * The apps of {@code chorus.pusher.apps.<name>.*}, looked up by key (WebSocket clients) or id (HTTP API). Refuses to
 * start on a configuration that would mix apps up: duplicate ids or keys, a bad id, more than one app sharing the
 * native namespace.
 */
@Singleton
public class PusherApps {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Map<String, PusherApp> byKey = new HashMap<>();
    private final Map<String, PusherApp> byId = new HashMap<>();
    private final Map<String, RoomPatterns> publicRooms = new HashMap<>();
    private final PusherApp nativeApp;

    PusherApps(ChorusConfig config) {
        PusherApp shared = null;
        for (var entry : config.pusher().apps().entrySet()) {
            var settings = entry.getValue();
            PusherApp app = new PusherApp(entry.getKey(), settings.id(), settings.key(), settings.secret(),
                    settings.nativeRooms(), settings.clientEvents(), settings.webhookUrl().map(URI::create).orElse(null));
            String where = "chorus.pusher.apps." + entry.getKey();
            if (!ID.matcher(app.id()).matches()) {
                throw new IllegalStateException(where + ".id must be 1-64 letters, digits, _ or -: " + app.id());
            }
            if (app.key().isEmpty() || app.secret().isEmpty()) {
                throw new IllegalStateException(where + ": key and secret must not be empty");
            }
            if (byId.put(app.id(), app) != null) {
                throw new IllegalStateException(where + ".id is used by another app: " + app.id());
            }
            if (byKey.put(app.key(), app) != null) {
                throw new IllegalStateException(where + ".key is used by another app");
            }
            publicRooms.put(app.id(), new RoomPatterns(settings.publicRooms(), "", ""));
            if (app.nativeRooms()) {
                if (shared != null) {
                    throw new IllegalStateException("native-rooms=true for two apps (" + shared.name() + ", "
                            + app.name() + "): at most one app may share the native namespace");
                }
                shared = app;
            }
        }
        this.nativeApp = shared;
    }

    /**
     * Whether a socket of the app may subscribe to a channel without a signature: a public channel of an isolated
     * app always (its rooms are its own), one of the native-rooms app only when {@code public-rooms} covers it (the
     * rooms are shared with native clients, whose token grants must hold). Private and presence channels need the
     * app's signature, checked elsewhere.
     */
    boolean mayOpen(PusherApp app, String channel) {
        return !app.nativeRooms() || ChannelName.needsAuthorization(channel) || publicRooms.get(app.id()).covers(channel);
    }

    public Optional<PusherApp> byKey(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public Optional<PusherApp> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The app whose channel a room is, if any: an isolated app's room, or any room of the native-rooms app. */
    public Optional<PusherApp> ofRoom(String room) {
        String id = PusherApp.isolatedAppIdOf(room);
        return id != null ? byId(id) : Optional.ofNullable(nativeApp);
    }

    public List<PusherApp> all() {
        return List.copyOf(byId.values());
    }
}
