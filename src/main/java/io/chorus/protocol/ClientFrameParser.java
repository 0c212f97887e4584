package io.chorus.protocol;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns a client's text frame into a {@link ClientCommand}, or a {@link ProtocolException} saying what is wrong. One
 * streaming pass: a publish's payload is validated but not built into a tree; it is kept as the client's text
 * ({@link RawJson}) and written into the {@code message} frame as is.
 */
public final class ClientFrameParser {

    static final int MAX_REF_LENGTH = 64;

    /** Makes the parsers: the mapper's own createParser configures each one for it, which a frame's read needs not. */
    private final JsonFactory factory;
    /** Builds the trees of the fields other than the payload. */
    private final ObjectMapper mapper;

    public ClientFrameParser(int maxDepth) {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
                .build();
        this.mapper = new ObjectMapper(factory);
    }

    public ClientCommand parse(String text) throws ProtocolException {
        Fields fields = read(text);
        ObjectNode frame = fields.others();
        String ref = ref(frame);
        JsonNode type = frame.get("type");
        if (type == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field: type", ref);
        }
        if (!type.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FRAME, "type must be a string", ref);
        }
        return switch (type.textValue()) {
            case "publish" -> new ClientCommand.Publish(ref, optionalRoom(frame, ref), payload(fields, ref));
            case "direct" -> new ClientCommand.Direct(ref, user(frame, "to", ref), payload(fields, ref));
            case "join" -> new ClientCommand.Join(ref, room(frame, ref), since(frame, ref));
            case "leave" -> new ClientCommand.Leave(ref, room(frame, ref));
            case "members" -> new ClientCommand.ListMembers(ref, room(frame, ref));
            case "online" -> new ClientCommand.ListOnline(ref);
            case "refresh" -> new ClientCommand.Refresh(ref, text(frame, "token", 8192, ref));
            case "auth" -> new ClientCommand.Authenticate(ref, text(frame, "token", 8192, ref));
            case "history" -> new ClientCommand.History(ref, optionalRoom(frame, ref), since(frame, ref), limit(frame, ref));
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown type: " + abbreviate(type.textValue()), ref);
        };
    }

    private static RawJson payload(Fields fields, String ref) throws ProtocolException {
        if (fields.payload() == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field: payload", ref);
        }
        return fields.payload();
    }

    private static JsonNode required(JsonNode frame, String field, String ref) throws ProtocolException {
        JsonNode value = frame.get(field);
        if (value == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field: " + field, ref);
        }
        return value;
    }

    private static String room(JsonNode frame, String ref) throws ProtocolException {
        required(frame, "room", ref);
        return optionalRoom(frame, ref);
    }

    private static String optionalRoom(JsonNode frame, String ref) throws ProtocolException {
        JsonNode room = frame.get("room");
        if (room == null || room.isNull()) {
            return null;
        }
        if (!room.isTextual() || !Names.isRoom(room.textValue())) {
            throw new ProtocolException(ErrorCode.INVALID_ROOM,
                    "a room name is 1 to 128 characters of A-Z a-z 0-9 . _ - : /", ref);
        }
        return room.textValue();
    }

    private static String text(JsonNode frame, String field, int maxLength, String ref) throws ProtocolException {
        JsonNode value = required(frame, field, ref);
        if (!value.isTextual() || value.textValue().length() > maxLength) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " must be a string of at most " + maxLength
                    + " characters", ref);
        }
        return value.textValue();
    }

    private static StreamPosition since(JsonNode frame, String ref) throws ProtocolException {
        JsonNode since = frame.get("since");
        if (since == null || since.isNull()) {
            return null;
        }
        JsonNode offset = since.get("offset");
        JsonNode epoch = since.get("epoch");
        if (!since.isObject() || offset == null || !offset.canConvertToLong() || !offset.isIntegralNumber()
                || offset.asLong() < 0 || epoch == null || !epoch.isTextual() || epoch.textValue().length() > 64) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "since must be {\"offset\": a non-negative integer, \"epoch\": a string}", ref);
        }
        return new StreamPosition(offset.asLong(), epoch.textValue());
    }

    /** An optional positive count (0 when absent); the server caps it at its page size. */
    private static int limit(JsonNode frame, String ref) throws ProtocolException {
        JsonNode limit = frame.get("limit");
        if (limit == null || limit.isNull()) {
            return 0;
        }
        if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 1) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "limit must be a positive integer", ref);
        }
        return limit.intValue();
    }

    private static String user(JsonNode frame, String field, String ref) throws ProtocolException {
        JsonNode value = required(frame, field, ref);
        if (!value.isTextual() || !Names.isUser(value.textValue())) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " must be a valid user id", ref);
        }
        return value.textValue();
    }

    /**
     * A frame's top-level fields: {@code payload} as its text, the others (all short) as a small tree. Duplicate
     * fields: the last one counts, as in a tree.
     */
    private record Fields(ObjectNode others, RawJson payload) {
    }

    /**
     * Reads the whole frame in one streaming pass, so any JSON error anywhere comes first, as {@code invalid_json};
     * then a frame that is valid JSON but no object is {@code invalid_frame}. The payload is skipped over (the parser
     * still checks every token of it, and its nesting depth) and kept as the exact text the client sent.
     */
    private Fields read(String text) throws ProtocolException {
        try (JsonParser parser = factory.createParser(text)) {
            JsonToken token = parser.nextToken();
            if (token != JsonToken.START_OBJECT) {
                if (token != null) {
                    parser.skipChildren();
                    requireEnd(parser);
                }
                throw new ProtocolException(ErrorCode.INVALID_FRAME, "a frame must be a JSON object", null);
            }
            ObjectNode others = mapper.createObjectNode();
            RawJson payload = null;
            token = parser.nextToken();
            while (token == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("payload")) {
                    int start = offsetOf(parser.currentTokenLocation());
                    parser.skipChildren();
                    token = parser.nextToken();
                    payload = new RawJson(text.substring(start, valueEnd(text, start, offsetOf(parser.currentTokenLocation()))));
                } else {
                    JsonNode value = mapper.readTree(parser);
                    others.set(name, value == null ? NullNode.getInstance() : value);
                    token = parser.nextToken();
                }
            }
            requireEnd(parser);
            return new Fields(others, payload);
        } catch (StreamConstraintsException e) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "JSON nests too deeply", null);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "not valid JSON", null);
        }
    }

    private static void requireEnd(JsonParser parser) throws IOException, ProtocolException {
        if (parser.nextToken() != null) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "trailing data after the JSON value", null);
        }
    }

    private static int offsetOf(JsonLocation location) {
        return (int) location.getCharOffset();
    }

    /**
     * Where a value that starts at {@code start} ends, given where the next token starts: between them lie only
     * whitespace and, before a further field, one comma (a JSON value never ends in either).
     */
    private static int valueEnd(String text, int start, int next) {
        int end = next;
        while (end > start && isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end > start && text.charAt(end - 1) == ',') {
            end--;
            while (end > start && isWhitespace(text.charAt(end - 1))) {
                end--;
            }
        }
        return end;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static String ref(JsonNode frame) throws ProtocolException {
        JsonNode ref = frame.get("ref");
        if (ref == null || ref.isNull()) {
            return null;
        }
        if (!ref.isTextual() || ref.textValue().length() > MAX_REF_LENGTH) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "ref must be a string of at most " + MAX_REF_LENGTH + " characters", null);
        }
        return ref.textValue();
    }

    private static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "…";
    }
}
