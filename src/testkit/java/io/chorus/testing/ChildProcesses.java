package io.chorus.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process the test kit launched in this JVM, from the moment it is launched: a watchdog, a shutdown hook or a
 * start that failed half-way stops exactly these, by PID, and nothing else. The JVM's exit stops those still alive,
 * so a test or a load run that dies half-way leaves no Redis or replica behind.
 */
public final class ChildProcesses {

    private static final List<Process> LAUNCHED = Collections.synchronizedList(new ArrayList<>());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAlive, "testkit-child-processes"));
    }

    private ChildProcesses() {
    }

    /** Starts the process and keeps it, so that {@link #stopAlive()} finds it. */
    public static Process launch(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        synchronized (LAUNCHED) {
            LAUNCHED.removeIf(p -> !p.isAlive());
            LAUNCHED.add(process);
        }
        return process;
    }

    /** Stops every launched process still alive, the last launched first (replicas before their Redis). */
    public static void stopAlive() {
        List<Process> alive = new ArrayList<>();
        synchronized (LAUNCHED) {
            for (Process process : LAUNCHED) {
                if (process.isAlive()) {
                    alive.add(process);
                }
            }
        }
        Collections.reverse(alive);
        alive.forEach(ChildProcesses::stop);
    }

    /** SIGTERM, and SIGKILL if the process is still alive 15 s later. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
