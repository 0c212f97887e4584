package io.chorus.loadgen;

import java.util.Arrays;
import java.util.Locale;

/**
 * The four workloads of issue 8 and issue 18's reconnect storm, and how each lays out a run: which replica every connection goes to, which room it
 * joins, and which connections publish where.
 * <p>
 * Connection {@code i} goes to replica {@code i % replicas}, so every room and every publisher set is spread over all
 * replicas and every message has cross-replica receivers.
 */
enum Scenario {

    /** (a) Idle connections: they connect, say nothing, and one publisher checks now and then that all still hear. */
    IDLE("idle", false),
    /** (b) Broadcast fan-out: a few publishers, everyone receives everything, through Redis. */
    BROADCAST("broadcast", false),
    /** (c) Many rooms of a few members; one member of each room publishes to it. */
    ROOMS("rooms", true),
    /** (d) One hot room that every connection joins; a few members publish to it. */
    HOT_ROOM("hot-room", true),
    /**
     * Issue 18's reconnect storm ({@link ReconnectStorm}): N broadcast subscribers on the last replica, a few
     * publishers on the first; the last replica is killed ({@code kill -9}) while messages flow, and its clients all
     * reconnect at once to the first, recovering from their last positions.
     */
    RECONNECT("reconnect", false);

    private final String cliName;
    private final boolean usesRooms;

    Scenario(String cliName, boolean usesRooms) {
        this.cliName = cliName;
        this.usesRooms = usesRooms;
    }

    String cliName() {
        return cliName;
    }

    /** Whether the scenario needs the {@code join} command (protocol v1 rooms). */
    boolean usesRooms() {
        return usesRooms;
    }

    static Scenario parse(String name) {
        for (Scenario scenario : values()) {
            if (scenario.cliName.equals(name.toLowerCase(Locale.ROOT)) || scenario.name().equalsIgnoreCase(name)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException(
                "unknown scenario '" + name + "': one of idle, broadcast, rooms, hot-room, reconnect");
    }

    /**
     * The layout of one run.
     *
     * @param replicaOf replica index of each connection
     * @param groupOf delivery group of each connection: the room index, or 0 for everyone when not using rooms
     * @param roomNames the room names by group (empty when not using rooms: publishes go to everyone)
     * @param publisherConnections the connection index of each publisher, by publisher index
     */
    record Plan(Scenario scenario, int connections, int replicas, int[] replicaOf, int[] groupOf, String[] roomNames,
            int[] publisherConnections) {

        int publishers() {
            return publisherConnections.length;
        }

        /** The group (room) a publisher publishes to. */
        int groupOfPublisher(int publisher) {
            return groupOf[publisherConnections[publisher]];
        }

        int[] groupOfPublishers() {
            int[] groups = new int[publisherConnections.length];
            for (int p = 0; p < groups.length; p++) {
                groups[p] = groupOfPublisher(p);
            }
            return groups;
        }

        /** The room a publisher publishes to, or null for everyone. */
        String roomOfPublisher(int publisher) {
            return roomNames.length == 0 ? null : roomNames[groupOfPublisher(publisher)];
        }

        /** The room connection {@code c} joins, or null. */
        String roomOfConnection(int c) {
            return roomNames.length == 0 ? null : roomNames[groupOf[c]];
        }

        int groupSize(int group) {
            int size = 0;
            for (int g : groupOf) {
                if (g == group) {
                    size++;
                }
            }
            return size;
        }

        /** Deliveries one published message causes, on average over publishers (every group member gets it). */
        double fanOut() {
            int groups = roomNames.length == 0 ? 1 : roomNames.length;
            int[] sizes = new int[groups];
            for (int g : groupOf) {
                sizes[g]++;
            }
            double total = 0;
            for (int p = 0; p < publisherConnections.length; p++) {
                total += sizes[groupOfPublisher(p)];
            }
            return publisherConnections.length == 0 ? 0 : total / publisherConnections.length;
        }

        int connectionsOn(int replica) {
            return (int) Arrays.stream(replicaOf).filter(r -> r == replica).count();
        }
    }

    /**
     * Lays out a run.
     *
     * @param publishers how many publishers for idle, broadcast and hot-room (rooms has one per room)
     * @param roomSize members per room, for rooms
     */
    Plan plan(int connections, int replicas, int publishers, int roomSize) {
        if (connections < 1 || replicas < 1) {
            throw new IllegalArgumentException("need at least one connection and one replica");
        }
        int[] replicaOf = new int[connections];
        int[] groupOf = new int[connections];
        for (int c = 0; c < connections; c++) {
            replicaOf[c] = c % replicas;
        }
        String[] roomNames;
        int[] publisherConnections;
        switch (this) {
            case ROOMS -> {
                if (roomSize < 1) {
                    throw new IllegalArgumentException("room size must be at least 1");
                }
                int rooms = (connections + roomSize - 1) / roomSize;
                roomNames = new String[rooms];
                publisherConnections = new int[rooms];
                for (int r = 0; r < rooms; r++) {
                    roomNames[r] = "lg-room-" + r;
                    publisherConnections[r] = r * roomSize;
                }
                for (int c = 0; c < connections; c++) {
                    groupOf[c] = c / roomSize;
                }
            }
            case HOT_ROOM -> {
                roomNames = new String[] { "lg-hot" };
                publisherConnections = firstConnections(publishers, connections);
            }
            case RECONNECT -> {
                return reconnectPlan(connections, replicas, publishers);
            }
            default -> {
                roomNames = new String[0];
                publisherConnections = firstConnections(publishers, connections);
            }
        }
        return new Plan(this, connections, replicas, replicaOf, groupOf, roomNames, publisherConnections);
    }

    /**
     * The reconnect storm's layout: {@code publishers} extra connections on the first replica (they stay), then the
     * {@code subscribers} on the last one (the replica that will be lost); everyone receives every broadcast.
     */
    private static Plan reconnectPlan(int subscribers, int replicas, int publishers) {
        if (replicas < 2) {
            throw new IllegalArgumentException("the reconnect storm needs two replicas: one to lose, one to land on");
        }
        int count = Math.max(1, publishers);
        int connections = count + subscribers;
        int[] replicaOf = new int[connections];
        for (int c = count; c < connections; c++) {
            replicaOf[c] = replicas - 1;
        }
        return new Plan(RECONNECT, connections, replicas, replicaOf, new int[connections], new String[0],
                firstConnections(count, connections));
    }

    /** Publishers are the first connections, so they are spread over the replicas like everyone else. */
    private static int[] firstConnections(int publishers, int connections) {
        int count = Math.max(1, Math.min(publishers, connections));
        int[] chosen = new int[count];
        for (int p = 0; p < count; p++) {
            chosen[p] = p;
        }
        return chosen;
    }
}
