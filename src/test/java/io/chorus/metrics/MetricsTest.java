package io.chorus.metrics;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.noop.NoopLongTaskTimer;
import io.chorus.testing.TestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** /q/metrics carries Chorus's own meters, and they move with the traffic. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class MetricsTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    MeterRegistry registry;

    @Test
    void publishingAndDeliveringMoveTheChorusMeters() {
        double publishedBefore = value("chorus_messages_published_total\\{kind=\"broadcast\"[^}]*\\}");
        double deliveredBefore = value("chorus_messages_delivered_total(\\{[^}]*\\})?");
        try (TestClient a = TestClient.connect(base, "meter-a"); TestClient b = TestClient.connect(base, "meter-b")) {
            a.publish("\"counted\"", "m1");
            a.next("message");
            b.next("message");
            assertTrue(value("chorus_connections(\\{[^}]*\\})?") >= 2, "connections gauge");
            assertTrue(value("chorus_messages_published_total\\{kind=\"broadcast\"[^}]*\\}") >= publishedBefore + 1);
            assertTrue(value("chorus_messages_delivered_total(\\{[^}]*\\})?") >= deliveredBefore + 2);
        }
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("chorus_delivery_latency_seconds_bucket"))
                .body(containsString("chorus_backplane_received_total"))
                .body(containsString("chorus_backplane_reconnects_total"))
                .body(containsString("chorus_slow_consumer_disconnects_total"))
                .body(containsString("chorus_rooms"));
    }

    @Test
    void openWebSocketsAreNotHttpRequestsThatNeverEnd() {
        try (TestClient client = TestClient.connect(base, "meter-upgrade")) {
            client.publish("\"x\"", "u");
            client.next("ack");
            given().when().get("/q/metrics").then().statusCode(200)
                    .body(org.hamcrest.Matchers.not(containsString("uri=\"/ws\"")));
        }
    }

    @Test
    void theHttpServerStartsNoTimerSampleForEachConnection() {
        LongTaskTimer perConnection = LongTaskTimer.builder(ConnectionTimerOff.TIMER).register(registry);
        assertTrue(perConnection instanceof NoopLongTaskTimer, "a sample kept per open connection: " + perConnection);
        assertTrue(registry.find(ConnectionTimerOff.TIMER).meters().isEmpty());
    }

    @Test
    void refusalsAreCountedByReason() {
        String forbidden = "chorus_refused_total\\{[^}]*reason=\"forbidden\"[^}]*\\}";
        double before = value(forbidden);
        try (TestClient client = TestClient.connect(base, "meter-refused")) {
            client.send("{\"type\":\"join\",\"room\":\"private-vault\",\"ref\":\"v\"}"); // defaults: * is not private
            client.next("error");
        }
        assertTrue(value(forbidden) >= before + 1);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("reason=\"connections-per-user\""))
                .body(containsString("reason=\"message-too-big\""))
                .body(containsString("reason=\"bad-frame\""))
                .body(containsString("chorus_idle_disconnects_total"));
    }

    private static double value(String metric) {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("^" + metric + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(body);
        if (!m.find()) {
            throw new AssertionError("no " + metric + " in /q/metrics");
        }
        return Double.parseDouble(m.group(m.groupCount()));
    }
}
