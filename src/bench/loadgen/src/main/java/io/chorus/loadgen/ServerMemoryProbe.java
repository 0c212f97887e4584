package io.chorus.loadgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.chorus.testing.ReplicaProcess;

/**
 * Reads what a server process costs, from outside it: resident memory and CPU time from {@code /proc/PID}, and the
 * Java heap in use (after a full GC, so only live objects count) through {@code jcmd}. Linux only.
 */
final class ServerMemoryProbe {

    /** One reading of a process. {@code heapUsedKiB} is -1 when not asked for or not a JVM. */
    record Sample(long pid, long rssKiB, long heapUsedKiB, double cpuSeconds, int threads) {
    }

    private static final Pattern HEAP_USED = Pattern.compile("^\\s*\\S.*?\\s+total \\d+K, used (\\d+)K", Pattern.MULTILINE);
    private static final double CLOCK_TICKS = clockTicks();

    private ServerMemoryProbe() {
    }

    /** RSS, CPU time and threads only: cheap enough to call every second. */
    static Sample quick(long pid) {
        return new Sample(pid, statusField(pid, "VmRSS"), -1, cpuSeconds(pid), (int) statusField(pid, "Threads"));
    }

    /** Runs a full GC in the JVM, then reads everything, heap included. Costs a jcmd start (about a CPU-second). */
    static Sample afterFullGc(long pid) {
        jcmd(pid, "GC.run");
        long heap = heapUsedKiB(jcmd(pid, "GC.heap_info"));
        Sample quick = quick(pid);
        return new Sample(pid, quick.rssKiB(), heap, quick.cpuSeconds(), quick.threads());
    }

    /** The heap in use from {@code GC.heap_info} output: the sum of the "used" of every generation or region set. */
    static long heapUsedKiB(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
            found = true;
        }
        return found ? used : -1;
    }

    /** A field of {@code /proc/PID/status} in its own unit (kB for memory), or -1. */
    static long statusField(long pid, String field) {
        return statusLikeField(Path.of("/proc", Long.toString(pid), "status"), field);
    }

    /** The number after {@code FIELD:} in a /proc file of that shape, or -1. */
    static long statusLikeField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return -1;
    }

    /** User plus system CPU time of the process so far, in seconds, or -1. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU time the whole machine has spent busy (all cores, everything but idle and iowait), in seconds, or -1. */
    static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The nice value of a process, or 0 when unknown. */
    static int nice(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** User and system CPU seconds of the process so far ({@code [user, system]}), or {@code [-1, -1]}. */
    static double[] cpuSplit(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] { Long.parseLong(f[11]) / CLOCK_TICKS, Long.parseLong(f[12]) / CLOCK_TICKS };
        } catch (IOException | RuntimeException e) {
            return new double[] { -1, -1 };
        }
    }

    /**
     * The kernel's TCP socket counters from {@code /proc/net/sockstat} (machine-wide: both ends of every loopback
     * connection): sockets in use and socket buffer memory in KiB. Kernel memory is not in any process's RSS.
     */
    static java.util.Map<String, Long> tcpSockstat() {
        java.util.Map<String, Long> tcp = new java.util.LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (line.startsWith("TCP:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    for (int i = 0; i + 1 < f.length; i += 2) {
                        tcp.put(f[i], Long.parseLong(f[i + 1]));
                    }
                }
            }
            if (tcp.containsKey("mem")) {
                tcp.put("memKiB", tcp.get("mem") * 4); // pages of 4 KiB
            }
            // kernel objects of every socket (tcp_sock, inode, dentry, file, epoll item) live in the slab caches
            tcp.put("slabKiB", statusLikeField(Path.of("/proc/meminfo"), "Slab"));
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return tcp;
    }

    /** The garbage collector a JVM runs (from {@code VM.flags}), e.g. "SerialGC", or "?". */
    static String collector(long pid) {
        String flags = jcmd(pid, "VM.flags");
        for (String gc : List.of("SerialGC", "G1GC", "ParallelGC", "ZGC", "ShenandoahGC")) {
            if (flags.contains("-XX:+Use" + gc)) {
                return gc;
            }
        }
        return "?";
    }

    /** Runs {@code jcmd PID COMMAND…} and returns its output ("" on failure). */
    static String jcmd(long pid, String... command) {
        List<String> args = new ArrayList<>(List.of(jcmdBinary(), Long.toString(pid)));
        args.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String jcmdBinary() {
        String jcmd = ReplicaProcess.jdkTool("jcmd");
        return Files.isExecutable(Path.of(jcmd)) ? jcmd : "jcmd";
    }

    private static double clockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            process.waitFor(5, TimeUnit.SECONDS);
            return Double.parseDouble(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
