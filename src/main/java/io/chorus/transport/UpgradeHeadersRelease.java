package io.chorus.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.vertx.core.MultiMap;

/**
 * Empties an upgrading request's headers as its response leaves: the handshake has read them by then (it builds the
 * {@code 101} from them), and websockets-next copies whatever is left into the connection's
 * {@code handshakeRequest()} right after, for the connection's whole life. Every check has run before; Chorus reads
 * only the query afterwards. Emptied here, the copy is the shared empty map instead of five names, five values and
 * their lists per connection (~650 bytes of heap each; docs/benchmarks.md, session 13).
 * <p>
 * A one-shot handler just above the HTTP response encoder, where the response is still an {@link HttpResponse}: it
 * acts on the first response written (a refusal too, harmlessly) and takes itself out of the pipeline.
 */
final class UpgradeHeadersRelease extends ChannelOutboundHandlerAdapter {

    private static final String NAME = "chorus-upgrade-headers-release";

    private final MultiMap headers;

    private UpgradeHeadersRelease(MultiMap headers) {
        this.headers = headers;
    }

    /** Installs the release above the pipeline's HTTP response encoder; nothing when there is none to sit above. */
    static void install(ChannelPipeline pipeline, MultiMap headers) {
        var encoder = pipeline.context(HttpResponseEncoder.class);
        if (encoder == null) {
            encoder = pipeline.context(HttpServerCodec.class);
        }
        if (encoder != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(encoder.name(), NAME, new UpgradeHeadersRelease(headers));
        }
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) throws Exception {
        if (!(message instanceof HttpResponse)) {
            context.write(message, promise);
            return;
        }
        headers.clear();
        context.write(message, promise);
        context.pipeline().remove(this);
    }
}
