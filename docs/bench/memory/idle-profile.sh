#!/usr/bin/env bash
# Where an idle connection's memory goes, on one replica: starts redis-server on a free port and one replica of APPDIR
# (the image's lean options, NMT on, EXTRA added), takes a class histogram, RSS and an NMT baseline before any client,
# connects CONNECTIONS idle clients with the load generator (--targets), and after SETTLE seconds takes the class
# histogram, NMT summary.diff, heap info and RSS again (and a heap dump with DUMP=1) into target/memory/NAME/.
# Per class per connection: histogram_diff.py histo0.txt histoN.txt CONNECTIONS; who holds it: heap_by_referrer.py.
# Hold the bench lock: flock /work/wt/bench.lock docs/bench/memory/idle-profile.sh after target/quarkus-app "" 10000
# Needs the generator built: docs/bench/loadgen.sh does it (or mvnw -f src/bench/loadgen/pom.xml compile
# dependency:build-classpath -Dmdep.outputFile=$PWD/src/bench/loadgen/target/loadgen.classpath).
# usage: idle-profile.sh NAME APPDIR "EXTRA JVM OPTS" [CONNECTIONS]; env LEAN (default: the image's options),
# IDLE (the idle window, 60s), SETTLE (seconds before the second reading, 20), JAVA (the java binary)
set -u
NAME=$1; APP=$2; EXTRA=$3; N=${4:-10000}
cd "$(dirname "$0")/../../.."
. docs/bench/memory/one-replica.sh
sleep 2
jcmd $JPID GC.run >/dev/null; sleep 1
jcmd $JPID VM.native_memory baseline >/dev/null
jcmd $JPID GC.class_histogram > $OUT/histo0.txt
grep VmRSS /proc/$JPID/status > $OUT/rss0.txt
java -Xms2g -Xmx2g -XX:+UseParallelGC -Dvertx.disableDnsResolver=true -cp "$CP" io.chorus.loadgen.LoadGenerator \
  --scenario=idle --targets=ws://127.0.0.1:$HPORT/ws --server-pids=$JPID --connections=$N --rate=2 --duration=5s \
  --warmup=0s --idle-window=${IDLE:-60s} --max-run=300s --out=$OUT/lg > $OUT/loadgen.log 2>&1 &
LPID=$!
# wait for connections to be up: poll loadgen log for idle phase, else count sockets
for i in $(seq 240); do
  c=$(ls /proc/$JPID/fd 2>/dev/null | wc -l)
  [ "$c" -ge $((N+50)) ] && break; sleep 1
done
sleep ${SETTLE:-20}
echo "fds $(ls /proc/$JPID/fd | wc -l)"
jcmd $JPID GC.run >/dev/null; sleep 1
jcmd $JPID GC.class_histogram > $OUT/histoN.txt
jcmd $JPID VM.native_memory summary.diff > $OUT/nmt.txt
jcmd $JPID GC.heap_info > $OUT/heapN.txt
grep VmRSS /proc/$JPID/status > $OUT/rssN.txt
[ -n "${DUMP:-}" ] && jcmd $JPID GC.heap_dump -all=false $OUT/heap.hprof >/dev/null
wait $LPID
kill $JPID; wait $JPID 2>/dev/null
kill $RPID; wait $RPID 2>/dev/null
cat $OUT/rss0.txt $OUT/rssN.txt
