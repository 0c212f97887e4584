package io.chorus;

import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.function.Function;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * With the default {@code chorus.context-propagation=false}, Mutiny hands callbacks back undecorated: no context is
 * captured per operator. (With the decorator of quarkus-smallrye-context-propagation in place, each would come back
 * wrapped.)
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class ContextPropagationTest {

    @Test
    void mutinyCallbacksAreNotWrappedToPropagateContext() {
        Supplier<String> supplier = () -> "x";
        Function<String, String> function = s -> s;
        assertSame(supplier, Infrastructure.decorate(supplier));
        assertSame(function, Infrastructure.decorate(function));
    }
}
