#!/usr/bin/env bash
# rooms run (2,000 connections, rooms of 5, 500 msg/s, 60 s) with JIT symbols: syscalls of each replica over 10 s in the
# measured phase, then perf record -a for 15 s; usage: perf-rooms.sh TAG JAR [extra JVM options]. Then:
# perf script -i /tmp/perf-rooms-TAG.data > /tmp/p.script; callers.py /tmp/p.script PID1,PID2 eventFdWrite 7
cd "$(dirname "$0")/../../.."
tag=${1:-p}; jar=${2:-/tmp/main-app/quarkus-run.jar}; extra=${3:-}
log=/tmp/perf-rooms-$tag.log
PM="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
env LOADGEN_WAIT_IDLE=60 docs/bench/loadgen.sh --server=chorus --jar=$jar --server-jvm-opts="$PM $extra" --scenario=rooms --replicas=2 --connections=2000 --room-size=5 \
    --rate=500 --duration=60s --max-run=200s --out=target/loadgen/perf-rooms-$tag > $log 2>&1 &
LG=$!
for i in $(seq 1 600); do grep -q "\] measure" "$log" 2>/dev/null && break; sleep 1; done
sleep 5
pids=$(for p in $(pgrep -f "$jar"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q 'io.chorus.loadgen' || { tr '\0' ' ' < /proc/$p/cmdline | grep -q '^java\|/java ' && echo $p; }; done)
echo "replicas: $pids" > /tmp/perf-rooms-$tag.txt
stats=""; for p in $pids; do perf stat -e raw_syscalls:sys_enter -p $p -- sleep 10 2>> /tmp/perf-rooms-$tag.txt & stats="$stats $!"; done; wait $stats
perf record -F 999 -g -a -o /tmp/perf-rooms-$tag.data -- sleep 15 >> /tmp/perf-rooms-$tag.txt 2>&1
wait $LG
echo done >> /tmp/perf-rooms-$tag.txt
