package io.chorus.presence;

import java.util.List;

/** The users present in a scope: how many, and some or all of their ids. */
public record Members(long count, List<String> users) {
}
