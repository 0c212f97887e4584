#!/usr/bin/env bash
# chorus rooms run, 60 s measured; in the measured phase: syscall counts per replica (10 s), then perf record of r1 (15 s)
cd "$(dirname "$0")/../../.."
tag=${1:-p}; jar=${2:-/tmp/main-app/quarkus-run.jar}; extra=${3:-}
log=/tmp/s9-perf-$tag.log
flock /tmp/chorus-bench.lock env LOADGEN_WAIT_IDLE=60 docs/bench/loadgen.sh --server=chorus --jar=$jar ${extra:+--server-jvm-opts="$extra"} --scenario=rooms --replicas=2 --connections=2000 \
    --room-size=5 --rate=500 --duration=60s --max-run=200s --out=target/loadgen/s9-perf-$tag > $log 2>&1 &
for i in $(seq 1 600); do grep -q "\] measure" "$log" 2>/dev/null && break; sleep 1; done
sleep 5
pids=$(pgrep -f "$jar" | while read p; do grep -q QuarkusEntryPoint /proc/$p/cmdline 2>/dev/null || [ "$(tr '\0' ' ' < /proc/$p/cmdline | grep -c quarkus-run.jar)" = 1 ] && grep -qv loadgen /proc/$p/cmdline && echo $p; done)
pids=$(for p in $(pgrep -f "$jar"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q 'io.chorus.loadgen' || { tr '\0' ' ' < /proc/$p/cmdline | grep -q '^java\|/java ' && echo $p; }; done)
echo "replicas: $pids" > /tmp/perf-$tag.txt
stats=""; for p in $pids; do perf stat -e raw_syscalls:sys_enter -p $p -- sleep 10 2>> /tmp/perf-$tag.txt & stats="$stats $!"; done; wait $stats
r1=$(echo $pids | awk '{print $1}')
perf record -F 999 -g -a -o /tmp/perf-$tag.data -- sleep 15 >> /tmp/perf-$tag.txt 2>&1
wait
echo done >> /tmp/perf-$tag.txt
