package io.chorus.loadgen;

/**
 * Who is in which room, and where each room message goes, in the multi-process generator's rooms phase (issue 19:
 * 1,000 rooms of 100 members at 100 msg/s). Client {@code i} (its index in the whole run) is in room
 * {@code i / size} while {@code i < rooms × size}, and in no room after that: a room is a block of consecutive
 * clients, so its members sit on every replica (client {@code i} starts on replica {@code i mod R}) and on at most two
 * workers. Message {@code n} (the publishers' common sequence, from 0) goes to room {@code n mod rooms}, so the rooms
 * take turns. Smaller runs keep the room size and each room's rate and have fewer rooms ({@link #forClients}).
 *
 * @param rooms how many rooms
 * @param size members per room
 * @param rate room messages per second, over all rooms
 */
record RoomPlan(int rooms, int size, double rate) {

    /** The issue's rooms phase: 1,000 rooms of 100 at 100 msg/s, i.e. each room gets 0.1 msg/s. */
    static final int ISSUE_ROOMS = 1_000;
    static final int ISSUE_SIZE = 100;
    static final double ISSUE_RATE = 100;

    RoomPlan {
        if (rooms < 1 || size < 1 || !(rate > 0)) {
            throw new IllegalArgumentException("rooms, size and rate must be positive: " + rooms + ", " + size + ", " + rate);
        }
    }

    /**
     * The plan for a run of {@code clients}: rooms of {@code size} (the issue's 100 when 0), as many as asked
     * ({@code rooms}, the issue's 1,000 when 0) but no more than the clients fill; the rate is {@code rate}, or when
     * that is 0, the issue's per-room rate (0.1 msg/s) times the rooms, so a smaller run asks each client for as much.
     */
    static RoomPlan forClients(int clients, int rooms, int size, double rate) {
        int roomSize = size > 0 ? size : ISSUE_SIZE;
        if (clients < roomSize) {
            throw new IllegalArgumentException(clients + " clients cannot fill one room of " + roomSize);
        }
        int fit = clients / roomSize;
        int count = Math.min(rooms > 0 ? rooms : ISSUE_ROOMS, fit);
        double r = rate > 0 ? rate : ISSUE_RATE * count / ISSUE_ROOMS;
        return new RoomPlan(count, roomSize, r);
    }

    /** The room client {@code client} (its index in the whole run) joins, or -1 for none. */
    int roomOf(int client) {
        return client >= 0 && client < rooms * size ? client / size : -1;
    }

    /** The room message {@code sequence} is published to. */
    int roomOfMessage(long sequence) {
        return (int) Math.floorMod(sequence, (long) rooms);
    }

    /** The room's name on the wire. */
    static String name(int room) {
        return "scale-" + room;
    }

    /** The room a name stands for, or -1 when it is none of the plan's names. */
    static int roomNamed(String name) {
        if (!name.startsWith("scale-") || name.length() == "scale-".length() || name.length() > "scale-".length() + 9) {
            return -1;
        }
        int room = 0;
        for (int i = "scale-".length(); i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            room = room * 10 + (c - '0');
        }
        return room;
    }

    /** Clients in rooms: every room's deliveries per message, times the messages. */
    long members() {
        return (long) rooms * size;
    }

    /** Deliveries per second the plan asks for when every member is in: rate × size. */
    double deliveriesPerSecond() {
        return rate * size;
    }
}
