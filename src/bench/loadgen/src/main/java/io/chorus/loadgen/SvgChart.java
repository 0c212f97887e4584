package io.chorus.loadgen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SVG line-chart writer, enough for the benchmark charts: latency over time (linear x) and the latency
 * distribution (percentile x on HdrHistogram's log scale, where 90%, 99%, 99.9% are equally spaced). No dependencies;
 * the output is plain SVG 1.1 that browsers and GitHub render.
 */
final class SvgChart {

    /** One line: a name for the legend, a CSS colour, and (x, y) points in data units. */
    record Series(String name, String color, List<double[]> points) {
    }

    enum XScale {
        /** x as is. */
        LINEAR,
        /** x is a percentile in [0, 100): plotted as log10(1 / (1 - x/100)), labelled 0%, 90%, 99%, 99.9%… */
        PERCENTILE
    }

    enum YScale {
        LINEAR, LOG
    }

    static final int WIDTH = 860;
    static final int HEIGHT = 440;
    private static final int LEFT = 70, RIGHT = 170, TOP = 40, BOTTOM = 50;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final XScale xScale;
    private final YScale yScale;
    private final List<Series> series = new ArrayList<>();
    private final List<double[]> markers = new ArrayList<>();
    private final List<String> markerLabels = new ArrayList<>();

    SvgChart(String title, String xLabel, String yLabel, XScale xScale, YScale yScale) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.xScale = xScale;
        this.yScale = yScale;
    }

    SvgChart add(Series line) {
        series.add(line);
        return this;
    }

    /** A labelled dashed vertical line at x (data units), e.g. where a phase of the run starts. */
    SvgChart marker(double x, String label) {
        markers.add(new double[] { x });
        markerLabels.add(label);
        return this;
    }

    /** The chart as an SVG document. */
    String render() {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMax = 0;
        double yMinPositive = Double.POSITIVE_INFINITY;
        for (Series line : series) {
            for (double[] point : line.points()) {
                double x = x(point[0]);
                if (!Double.isFinite(x) || !Double.isFinite(point[1])) {
                    continue;
                }
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
                yMax = Math.max(yMax, point[1]);
                if (point[1] > 0) {
                    yMinPositive = Math.min(yMinPositive, point[1]);
                }
            }
        }
        if (xMin == Double.POSITIVE_INFINITY) {
            xMin = 0;
            xMax = 1;
        }
        if (xScale == XScale.PERCENTILE) {
            xMin = 0;
            xMax = Math.max(1, Math.ceil(xMax));
        }
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        double yLow, yHigh;
        if (yScale == YScale.LOG) {
            yLow = Math.pow(10, Math.floor(Math.log10(yMinPositive == Double.POSITIVE_INFINITY ? 0.01 : yMinPositive)));
            yHigh = Math.pow(10, Math.ceil(Math.log10(Math.max(yMax, yLow * 10))));
        } else {
            yLow = 0;
            yHigh = niceCeiling(yMax <= 0 ? 1 : yMax);
        }

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\" font-size=\"12\">\n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(WIDTH / 2.0, 22, "middle", 15, title));
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;

        // y grid and labels
        for (double tick : yTicks(yLow, yHigh)) {
            double py = TOP + plotH - plotH * yFraction(tick, yLow, yHigh);
            svg.append(line(LEFT, py, LEFT + plotW, py, "#ddd"));
            svg.append(text(LEFT - 6, py + 4, "end", 11, number(tick)));
        }
        // x grid and labels
        for (double tick : xTicks(xMin, xMax)) {
            double px = LEFT + plotW * (tick - xMin) / (xMax - xMin);
            svg.append(line(px, TOP, px, TOP + plotH, "#eee"));
            String label = xScale == XScale.PERCENTILE ? percentileLabel(tick) : number(tick);
            svg.append(text(px, TOP + plotH + 16, "middle", 11, label));
        }
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", LEFT, TOP,
                plotW, plotH));
        svg.append(text(LEFT + plotW / 2.0, HEIGHT - 10, "middle", 12, xLabel));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 %.1f)\">%s</text>\n",
                TOP + plotH / 2.0, TOP + plotH / 2.0, escape(yLabel)));

        for (int m = 0; m < markers.size(); m++) {
            double x = x(markers.get(m)[0]);
            if (!Double.isFinite(x) || x < xMin || x > xMax) {
                continue;
            }
            double px = LEFT + plotW * (x - xMin) / (xMax - xMin);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n",
                    px, TOP, px, TOP + plotH));
            svg.append(text(px + 3, TOP + 12 + 12 * (m % 2), "start", 10, markerLabels.get(m)));
        }
        int legendY = TOP + 10;
        for (Series line : series) {
            StringBuilder path = new StringBuilder();
            for (double[] point : line.points()) {
                double x = x(point[0]);
                double y = point[1];
                if (!Double.isFinite(x) || !Double.isFinite(y) || (yScale == YScale.LOG && y <= 0)) {
                    continue;
                }
                double px = LEFT + plotW * (x - xMin) / (xMax - xMin);
                double py = TOP + plotH - plotH * Math.min(1, Math.max(0, yFraction(y, yLow, yHigh)));
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
            }
            if (path.length() > 0) {
                svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(escape(line.color()))
                        .append("\" stroke-width=\"1.6\"><title>").append(escape(line.name())).append("</title></path>\n");
            }
            svg.append(line(LEFT + plotW + 12, legendY, LEFT + plotW + 32, legendY, line.color()));
            svg.append(text(LEFT + plotW + 38, legendY + 4, "start", 11, line.name()));
            legendY += 18;
        }
        return svg.append("</svg>\n").toString();
    }

    private double x(double raw) {
        if (xScale == XScale.PERCENTILE) {
            return raw >= 100 ? Double.NaN : Math.log10(1.0 / (1.0 - raw / 100.0));
        }
        return raw;
    }

    private double yFraction(double y, double low, double high) {
        if (yScale == YScale.LOG) {
            return (Math.log10(y) - Math.log10(low)) / (Math.log10(high) - Math.log10(low));
        }
        return (y - low) / (high - low);
    }

    private List<Double> yTicks(double low, double high) {
        List<Double> ticks = new ArrayList<>();
        if (yScale == YScale.LOG) {
            for (double t = low; t <= high * 1.0001; t *= 10) {
                ticks.add(t);
            }
        } else {
            double step = niceStep(high / 5);
            for (double t = 0; t <= high * 1.0001; t += step) {
                ticks.add(t);
            }
        }
        return ticks;
    }

    private List<Double> xTicks(double low, double high) {
        List<Double> ticks = new ArrayList<>();
        if (xScale == XScale.PERCENTILE) {
            for (double t = 0; t <= high + 1e-9; t += 1) {
                ticks.add(t);
            }
            return ticks;
        }
        double step = niceStep((high - low) / 8);
        for (double t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) {
            ticks.add(t);
        }
        return ticks;
    }

    /** The label of a percentile axis tick k: the percentile with k nines (0%, 90%, 99%, 99.9%, …). */
    static String percentileLabel(double k) {
        int nines = (int) Math.round(k);
        if (nines == 0) {
            return "0%";
        }
        if (nines == 1) {
            return "90%";
        }
        return "99." + "9".repeat(nines - 2) + "%";
    }

    /** The smallest 1, 2 or 5 × 10^n at or above the value. */
    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double factor : new double[] { 1, 2, 5, 10 }) {
            if (factor * magnitude >= raw - 1e-12) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static double niceCeiling(double value) {
        double step = niceStep(value / 5);
        return Math.ceil(value / step - 1e-9) * step;
    }

    private static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        return String.format(Locale.ROOT, Math.abs(value) < 1 ? "%.3g" : "%.2f", value);
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x1, y1, x2, y2,
                escape(color));
    }

    private static String text(double x, double y, String anchor, int size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>\n",
                x, y, anchor, size, escape(content));
    }

    static String escape(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (char c : raw.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
