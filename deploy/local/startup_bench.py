#!/usr/bin/env python3
"""Start-to-ready time and memory of a Chorus replica, over several runs (Python 3 standard library only).

For each run: takes the time, starts the command (a replica on a free port, on the Redis given), polls
GET /q/health/ready every 10 ms until it answers 200, takes the time again and the process's resident memory
(VmRSS, and VmHWM, its peak so far) and the CPU time it used so far (user + system: less sensitive than the
wall-clock time to other work on the machine), then stops it with SIGTERM (SIGKILL after 30 s). Prints one line a run, then
the median, minimum and maximum.

    startup_bench.py --runs 7 --redis redis://127.0.0.1:6390 -- java -jar target/quarkus-app/quarkus-run.jar

The command gets -Dquarkus.http.port=<free port> -Dquarkus.http.host=127.0.0.1 inserted after its first word
(the java binary), and QUARKUS_REDIS_HOSTS in its environment.
"""
import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/q/health/ready")
        status = conn.getresponse().status
        conn.close()
        return status == 200
    except OSError:
        return False


def memory_kib(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of /proc/PID/stat; fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(command, redis, timeout, log):
    port = free_port()
    argv = [command[0], f"-Dquarkus.http.port={port}", "-Dquarkus.http.host=127.0.0.1"] + command[1:]
    env = dict(os.environ)
    if redis:
        env["QUARKUS_REDIS_HOSTS"] = redis
    else:
        env.pop("QUARKUS_REDIS_HOSTS", None)
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        while not ready(port):
            if process.poll() is not None:
                raise RuntimeError(f"exited with {process.returncode} before it was ready")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"not ready within {timeout} s")
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        rss, hwm = memory_kib(process.pid)
        return elapsed, rss, hwm, cpu_seconds(process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="runs before the measured ones (file caches)")
    parser.add_argument("--redis", default=None, help="Redis address; none: embedded backplane")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--label", default="")
    parser.add_argument("--log", default=os.devnull, help="where the replicas' output goes")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    times, rss, hwm, cpu = [], [], [], []
    with open(args.log, "ab") as log:
        for i in range(args.warmup + args.runs):
            elapsed, r, h, c = run_once(command, args.redis, args.timeout, log)
            measured = i >= args.warmup
            print(f"{args.label} run {i + 1 - args.warmup if measured else 'warm-up'}: ready in {elapsed * 1000:.0f} ms,"
                  f" CPU {c * 1000:.0f} ms, RSS {r / 1024:.0f} MiB (peak {h / 1024:.0f} MiB)", flush=True)
            if measured:
                times.append(elapsed * 1000)
                rss.append(r / 1024)
                hwm.append(h / 1024)
                cpu.append(c * 1000)
    print(f"{args.label} SUMMARY runs={len(times)} ready_ms median={statistics.median(times):.0f}"
          f" min={min(times):.0f} max={max(times):.0f} cpu_ms median={statistics.median(cpu):.0f} rss_mib median={statistics.median(rss):.0f}"
          f" min={min(rss):.0f} max={max(rss):.0f} peak_rss_mib median={statistics.median(hwm):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
