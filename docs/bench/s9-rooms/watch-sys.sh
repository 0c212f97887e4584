#!/usr/bin/env bash
# watch-sys.sh LOG PGREP-PATTERN OUT: in the measured phase, syscalls per replica over 10 s (perf stat)
log=$1; pat=$2; out=$3
for i in $(seq 1 900); do grep -q "\] measure" "$log" 2>/dev/null && break; sleep 1; done
sleep 5
pids=$(for p in $(pgrep -f "$pat"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q 'io.chorus.loadgen\|flock\|bash' || echo $p; done)
echo "pids: $pids" > $out
stats=""; for p in $pids; do perf stat -e raw_syscalls:sys_enter -p $p -- sleep 10 2>> $out & stats="$stats $!"; done; wait $stats
