package io.chorus;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Turns off SmallRye context propagation around Mutiny callbacks, unless {@code chorus.context-propagation} is true.
 * <p>
 * quarkus-mutiny brings quarkus-smallrye-context-propagation, whose Mutiny callback decorator captures the thread's
 * contexts (CDI request context, …) for every operator of every {@code Uni} and restores them around each callback.
 * No Chorus path needs that: its beans are singletons, endpoints take the connection as a parameter, and what
 * websockets-next and Quarkus REST keep per request lives in the Vert.x context, which Vert.x carries itself. On a
 * room message it was about 7 % of a replica's CPU (docs/benchmarks.md, "Rooms, session 7"). Done at startup,
 * before the first connection; Unis built before keep their decorated callbacks, which is harmless. The JVM
 * property {@code mutiny.disableCallBackDecorators=true} has the same effect from the start.
 */
@Singleton
class ContextPropagation {

    private static final Logger LOG = Logger.getLogger(ContextPropagation.class);

    void onStart(@Observes StartupEvent event, ChorusConfig config) {
        if (!config.contextPropagation()) {
            Infrastructure.clearInterceptors();
            LOG.debug("Mutiny callbacks run without SmallRye context propagation (chorus.context-propagation=false)");
        }
    }
}
