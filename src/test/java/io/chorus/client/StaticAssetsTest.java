package io.chorus.client;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The replica serves the demo page at / and the JavaScript client (an ES module) with its type declarations. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class StaticAssetsTest {

    @Test
    void demoPageIsServedAtTheRootAsHtmlAndLoadsTheClientFromThisServer() {
        given().when().get("/")
                .then().statusCode(200)
                .contentType(startsWith("text/html"))
                .header("Cache-Control", nullValue())
                .body(containsString("<script type=\"module\" src=\"demo.js\"></script>"));
        given().when().get("/demo.js")
                .then().statusCode(200)
                .contentType(startsWith("text/javascript"))
                .body(containsString("from './chorus-client.js'"));
        given().when().get("/demo.css")
                .then().statusCode(200)
                .contentType(startsWith("text/css"));
    }

    @Test
    void clientIsServedAsAJavaScriptModuleWithItsTypeDeclarations() {
        given().when().get("/chorus-client.js")
                .then().statusCode(200)
                .contentType(startsWith("text/javascript"))
                .header("Cache-Control", nullValue())
                .body(containsString("export class ChorusClient"));
        given().when().get("/chorus-client.d.ts")
                .then().statusCode(200)
                .body(containsString("export class ChorusClient"));
    }
}
