package io.chorus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.WithDefault;

/** The README's settings table lists exactly the settings of {@link ChorusConfig}, with their defaults. */
class ChorusConfigDocumentationTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(chorus\\.[a-z0-9.<>-]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);

    @Test
    void readmeSettingsTableMatchesChorusConfig() throws IOException {
        Map<String, String> declared = new TreeMap<>();
        collect(ChorusConfig.class, "chorus.", declared);
        Map<String, String> documented = new TreeMap<>();
        Matcher row = ROW.matcher(Files.readString(Path.of("README.md")));
        while (row.find()) {
            documented.put(row.group(1), row.group(2).trim());
        }
        assertEquals(declared.keySet(), documented.keySet(), "settings in README.md vs ChorusConfig");
        declared.forEach((key, value) -> {
            if (value != null) {
                assertTrue(documented.get(key).contains("`" + value + "`"),
                        key + " is documented with default " + documented.get(key) + " but defaults to " + value);
            }
        });
    }

    private static void collect(Class<?> group, String prefix, Map<String, String> settings) {
        for (Method method : group.getDeclaredMethods()) {
            if (method.isDefault() || method.isSynthetic() || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String key = prefix + kebab(method.getName());
            if (method.getReturnType().isInterface() && method.getReturnType().getDeclaringClass() == ChorusConfig.class) {
                collect(method.getReturnType(), key + ".", settings);
            } else if (method.getReturnType() == java.util.Map.class
                    && method.getGenericReturnType() instanceof java.lang.reflect.ParameterizedType map
                    && map.getActualTypeArguments()[1] instanceof Class<?> value
                    && value.getDeclaringClass() == ChorusConfig.class) {
                collect(value, key + ".<name>.", settings); // a named group: chorus.pusher.apps.<name>.key
            } else {
                WithDefault withDefault = method.getAnnotation(WithDefault.class);
                settings.put(key, withDefault == null ? null : withDefault.value());
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
