#!/usr/bin/env bash
# broadcast 100 x 2000 with JIT symbols: perf record -a for 15 s in the measured phase; usage: perf-bc.sh TAG JAR
# then: perf script -i /tmp/perf-bc-TAG.data > /tmp/pbc-TAG.script; share.py /tmp/pbc-TAG.script PID1,PID2 PATTERN...
cd "$(dirname "$0")/../../.."
tag=$1; jar=$2
log=/tmp/perf-bc-$tag.log
PM="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
env LOADGEN_WAIT_IDLE=60 docs/bench/loadgen.sh --server=chorus --jar=$jar --server-jvm-opts="$PM" --scenario=broadcast --replicas=2 \
  --connections=100 --rate=2000 --duration=40s --max-run=200s --out=target/loadgen/perf-bc-$tag > $log 2>&1 &
LG=$!
for i in $(seq 1 600); do grep -q "\] measure" "$log" 2>/dev/null && break; sleep 1; done
sleep 5
pids=$(for p in $(pgrep -f "$jar"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q 'io.chorus.loadgen' || { tr '\0' ' ' < /proc/$p/cmdline | grep -q '^java\|/java ' && echo $p; }; done)
echo "replicas: $pids" > /tmp/perf-bc-$tag.txt
perf record -F 999 -g -a -o /tmp/perf-bc-$tag.data -- sleep 15 >> /tmp/perf-bc-$tag.txt 2>&1
wait $LG
echo done >> /tmp/perf-bc-$tag.txt
