package io.chorus.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bare RFC 6455 client over a plain socket, for frames no well-behaved client library will send (invalid UTF-8,
 * reserved opcodes). Reads server frames until a close frame and reports its code.
 */
public final class RawWebSocket implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawWebSocket(URI base, String pathAndQuery) throws IOException {
        this(base, pathAndQuery, 0);
    }

    /**
     * As {@link #RawWebSocket(URI, String)}, with a socket receive buffer of this many bytes (0: the system's), so that
     * a client that does not read stops taking bytes early instead of the kernel buffering megabytes for it.
     */
    public RawWebSocket(URI base, String pathAndQuery, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
        socket.setSoTimeout((int) TestClient.TIMEOUT.toMillis());
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = readLine();
        if (!status.contains(" 101 ")) {
            throw new IOException("upgrade refused: " + status);
        }
        while (!readLine().isEmpty()) {
            // headers
        }
    }

    /**
     * Sends one masked frame whose first byte (FIN, RSV1-3, opcode) is given as is, and whose payload length is
     * encoded in the shortest form.
     */
    public void sendFrameWithFirstByte(int firstByte, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(firstByte);
        writeMaskedPayload(frame, payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Sends bytes as they are. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a masked close frame with this body (code and reason, or anything). */
    public void sendClose(byte[] body) throws IOException {
        sendFrame(0x8, body);
    }

    /** A close frame body: the code, then the reason bytes. */
    public static byte[] closeBody(int code, byte[] reason) {
        byte[] body = new byte[2 + reason.length];
        body[0] = (byte) (code >>> 8);
        body[1] = (byte) code;
        System.arraycopy(reason, 0, body, 2, reason.length);
        return body;
    }

    /**
     * After the server's close frame: whether the server closes the TCP connection within this time, sending nothing
     * more. Fails (IOException) if anything arrives after the close frame.
     */
    public boolean closedByServerWithin(Duration time) throws IOException {
        socket.setSoTimeout((int) time.toMillis());
        try {
            int next = in.read();
            if (next != -1) {
                throw new IOException("the server sent data after its close frame (byte " + next + ")");
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the server
        } finally {
            socket.setSoTimeout((int) TestClient.TIMEOUT.toMillis());
        }
    }

    /** Sends one masked frame with FIN set. */
    public void sendFrame(int opcode, byte[] payload) throws IOException {
        sendFrame(opcode, payload, true);
    }

    /** Sends one masked frame; fin false leaves the message open for continuation frames (opcode 0). */
    public void sendFrame(int opcode, byte[] payload, boolean fin) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        writeMaskedPayload(frame, payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    private static void writeMaskedPayload(ByteArrayOutputStream frame, byte[] payload) throws IOException {
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
    }

    /**
     * Reads the next server frame, which must be a whole, unmasked text message (RFC 6455 5.2: FIN set, no RSV bits,
     * opcode 1, no mask from a server), and returns its text; anything else fails.
     */
    public String nextText() throws IOException {
        Frame frame = readFrame();
        if (frame.firstByte() != 0x81 || frame.masked()) {
            throw new IOException("expected a whole unmasked text frame, got first byte 0x"
                    + Integer.toHexString(frame.firstByte()) + (frame.masked() ? ", masked" : ""));
        }
        return new String(frame.payload(), StandardCharsets.UTF_8);
    }

    /** One frame as read off the socket: its first byte (FIN, RSV, opcode), whether it was masked, its payload. */
    private record Frame(int firstByte, boolean masked, byte[] payload) {
        int opcode() {
            return firstByte & 0x0f;
        }
    }

    /** Reads one frame (a server's frames are never masked: a masked one is returned as such, unmasked not). */
    private Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        boolean masked = (b1 & 0x80) != 0;
        if (masked) {
            in.readFully(new byte[4]);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(b0, masked, payload);
    }

    /** Reads server frames, skipping data frames, until a close frame; returns its code (1005 if it has none). */
    public int awaitCloseCode() throws IOException {
        return awaitCloseCode(false);
    }

    /**
     * As {@link #awaitCloseCode()}; with textOnly, any frame before the close frame other than a text message (a
     * pong, say) fails.
     */
    public int awaitCloseCode(boolean textOnly) throws IOException {
        while (true) {
            Frame frame = readFrame();
            byte[] payload = frame.payload();
            if (frame.opcode() == 0x8) {
                return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
            }
            if (textOnly && frame.opcode() != 0x1) {
                throw new IOException("expected a close frame, got opcode " + frame.opcode());
            }
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
