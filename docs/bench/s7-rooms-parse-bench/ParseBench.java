import com.fasterxml.jackson.databind.*;
import io.chorus.protocol.*;

public class ParseBench {
    static final ObjectMapper M = new ObjectMapper();
    public static void main(String[] a) throws Exception {
        String small = "{\"type\":\"publish\",\"room\":\"r-123\",\"ref\":\"p17.4242\",\"payload\":{\"lg\":[17,4242,123456789012345]}}";
        String chat = "{\"type\":\"publish\",\"room\":\"lobby\",\"ref\":\"c-17\",\"payload\":{\"text\":\"" + "Hello there, this is a chat line of typical length; ".repeat(4) + "\",\"attachments\":[{\"kind\":\"link\",\"url\":\"https://example.com/a?b=c\"}],\"mentions\":[\"alice\",\"bob\"]}}";
        ClientFrameParser p = new ClientFrameParser(64);
        for (String[] c : new String[][] { { "small", small }, { "chat", chat } }) {
            String f = c[1];
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime(); long sink = 0;
                int n = 300_000;
                for (int i = 0; i < n; i++) { // before: a tree, and the tree written again
                    JsonNode tree = M.readTree(f);
                    sink += ServerFrames.message("id", "rep", "u1", 1L, tree.get("room").textValue(), null, tree.get("payload")).length();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) { // after: streaming, payload spliced
                    ClientCommand.Publish pub = (ClientCommand.Publish) p.parse(f);
                    sink += ServerFrames.message("id", "rep", "u1", 1L, pub.room(), null, pub.payload()).length();
                }
                long t2 = System.nanoTime();
                if (round >= 2) System.out.printf("%s (%d chars): tree+rewrite %.2f us, streaming+splice %.2f us per frame (%d)%n", c[0], f.length(), (t1 - t0) / 1e3 / n, (t2 - t1) / 1e3 / n, sink % 10);
            }
        }
    }
}
