package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgChartTest {

    @Test
    void rendersWellFormedSvgWithOnePathPerSeriesAndEscapedText() throws Exception {
        String svg = new SvgChart("p99 <&> \"max\"", "time (s)", "ms", SvgChart.XScale.LINEAR, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("p50", "#123456", List.of(new double[] { 0, 1 }, new double[] { 10, 2 })))
                .add(new SvgChart.Series("p99", "#654321", List.of(new double[] { 0, 5 }, new double[] { 10, 9 })))
                .render();

        Document doc = parse(svg);
        NodeList paths = doc.getElementsByTagName("path");
        assertEquals(2, paths.getLength());
        assertEquals("#123456", ((Element) paths.item(0)).getAttribute("stroke"));
        assertTrue(svg.contains("p99 &lt;&amp;&gt; &quot;max&quot;"));
    }

    @Test
    void phaseMarkersInsideTheRangeAreDrawnAndOthersAreNot() throws Exception {
        String svg = new SvgChart("t", "x", "y", SvgChart.XScale.LINEAR, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("s", "red", List.of(new double[] { 0, 1 }, new double[] { 10, 2 })))
                .marker(5, "measure").marker(50, "beyond").render();
        NodeList lines = parse(svg).getElementsByTagName("line");
        int dashed = 0;
        for (int i = 0; i < lines.getLength(); i++) {
            if (((Element) lines.item(i)).hasAttribute("stroke-dasharray")) {
                dashed++;
            }
        }
        assertEquals(1, dashed);
        assertTrue(svg.contains(">measure<"));
        assertFalse(svg.contains(">beyond<"));
    }

    @Test
    void higherValuesArePlottedHigherUp() throws Exception {
        String svg = new SvgChart("t", "x", "y", SvgChart.XScale.LINEAR, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("s", "red", List.of(new double[] { 0, 1 }, new double[] { 1, 100 })))
                .render();
        String d = ((Element) parse(svg).getElementsByTagName("path").item(0)).getAttribute("d");
        String[] points = d.replace("M", "").split(" L");
        double firstY = Double.parseDouble(points[0].trim().split(" ")[1]);
        double secondY = Double.parseDouble(points[1].trim().split(" ")[1]);
        assertTrue(secondY < firstY, "SVG y grows downwards: the larger value must have the smaller y");
        double secondX = Double.parseDouble(points[1].trim().split(" ")[0]);
        double firstX = Double.parseDouble(points[0].trim().split(" ")[0]);
        assertTrue(secondX > firstX);
    }

    @Test
    void percentileAxisIsLabelledInNines() throws Exception {
        assertEquals("0%", SvgChart.percentileLabel(0));
        assertEquals("90%", SvgChart.percentileLabel(1));
        assertEquals("99.9%", SvgChart.percentileLabel(3));
        String svg = new SvgChart("t", "percentile", "ms", SvgChart.XScale.PERCENTILE, SvgChart.YScale.LINEAR)
                .add(new SvgChart.Series("s", "red",
                        List.of(new double[] { 0, 1 }, new double[] { 99.9, 4 }, new double[] { 100, 9 })))
                .render();
        assertTrue(svg.contains(">99.9%<"));
        // 100% has no place on a log(1/(1-p)) axis: dropped, not drawn at infinity
        assertFalse(svg.contains("Infinity") || svg.contains("NaN"));
        parse(svg);
    }

    @Test
    void logScaleSkipsZeroAndNiceStepsAreOneTwoFive() throws Exception {
        String svg = new SvgChart("t", "x", "y", SvgChart.XScale.LINEAR, SvgChart.YScale.LOG)
                .add(new SvgChart.Series("s", "red", List.of(new double[] { 0, 0 }, new double[] { 1, 0.5 },
                        new double[] { 2, 300 })))
                .render();
        String d = ((Element) parse(svg).getElementsByTagName("path").item(0)).getAttribute("d");
        assertEquals(2, d.split(" L").length);
        assertEquals(2.0, SvgChart.niceStep(1.3));
        assertEquals(5.0, SvgChart.niceStep(4.1));
        assertEquals(10.0, SvgChart.niceStep(7));
        assertEquals(250.0, SvgChart.niceCeiling(230));
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
