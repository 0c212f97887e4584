package io.chorus.protocol;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Turns a client's text frame into a {@link ClientCommand}, or a {@link ProtocolException} saying what is wrong. */
public final class ClientFrameParser {

    static final int MAX_REF_LENGTH = 64;

    private final ObjectMapper mapper;

    public ClientFrameParser(int maxDepth) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
                .build();
        this.mapper = new ObjectMapper(factory);
    }

    public ClientCommand parse(String text) throws ProtocolException {
        JsonNode frame = readTree(text);
        if (frame == null || !frame.isObject()) {
            throw new ProtocolException(ErrorCode.INVALID_FRAME, "a frame must be a JSON object", null);
        }
        String ref = ref(frame);
        JsonNode type = frame.get("type");
        if (type == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field: type", ref);
        }
        if (!type.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FRAME, "type must be a string", ref);
        }
        return switch (type.textValue()) {
            case "publish" -> new ClientCommand.Publish(ref, optionalRoom(frame, ref), required(frame, "payload", ref));
            case "direct" -> new ClientCommand.Direct(ref, user(frame, "to", ref), required(frame, "payload", ref));
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

    private JsonNode readTree(String text) throws ProtocolException {
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                throw new ProtocolException(ErrorCode.INVALID_JSON, "trailing data after the JSON value", null);
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "JSON nests too deeply", null);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.INVALID_JSON, "not valid JSON", null);
        }
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
