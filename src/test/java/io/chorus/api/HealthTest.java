package io.chorus.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(RedisTestResource.class)
class HealthTest {

    @Test
    void readinessIsUpWhileTheRedisSubscriptionIsLive() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("backplane"))
                .body("checks.find { it.name == 'backplane' }.data.backplane", containsString("Redis pub/sub"))
                .body("checks.find { it.name == 'backplane' }.data.replica", notNullValue());
    }

    @Test
    void livenessIsUpAndNamesTheReplica() {
        given().when().get("/q/health/live")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'replica' }.data.replica", notNullValue());
    }
}
