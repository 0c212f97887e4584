#!/usr/bin/env bash
# RSS per idle connection, read once the process has settled, on one replica: like idle-profile.sh (its own redis-server,
# the image's lean options, NMT on, EXTRA added), but it reads RSS (and NMT's committed total) every 2 s for 20 s before
# any client and again for 40 s once CONNECTIONS idle clients are up, then once more after a full GC and a glibc trim
# (jcmd System.trim_native_heap) at each end: the readings "base-trim" and "load-trim" in target/memory/NAME/watch.txt
# give RSS per connection = (load-trim - base-trim) / CONNECTIONS. The early readings show why one reading is not
# enough: RSS sits 10-15 MB high for ~10 s after start (C2 compiling start-up code, until the periodic trim), and
# each ping round repeats a smaller bump. Also keeps glibc's malloc_info (System.native_heap_info), both class
# histograms and /proc/PID/smaps at both ends. Hold the bench lock as for idle-profile.sh.
# usage: settled-rss.sh NAME APPDIR "EXTRA JVM OPTS" [CONNECTIONS]; env LEAN, IDLE (90s), JAVA and JCMD (binaries)
set -u
NAME=$1; APP=$2; EXTRA=$3; N=${4:-10000}
cd "$(dirname "$0")/../../.."
. docs/bench/memory/one-replica.sh
JC=${JCMD:-jcmd}
read_() { # label
  local rss anon file nmt
  rss=$(awk '/VmRSS/{print $2}' /proc/$JPID/status); anon=$(awk '/RssAnon/{print $2}' /proc/$JPID/status)
  file=$(awk '/RssFile/{print $2}' /proc/$JPID/status)
  nmt=$($JC $JPID VM.native_memory summary 2>/dev/null | awk '/^Total:/{for(i=1;i<=NF;i++) if($i ~ /committed=/){sub("committed=","",$i); sub("KB","",$i); print $i}}')
  echo "$1 t=$(date +%s) rss=$rss anon=$anon file=$file nmt_committed=$nmt" | tee -a $OUT/watch.txt
}
for i in $(seq 10); do read_ base$i; sleep 2; done
$JC $JPID GC.run >/dev/null; sleep 1; read_ base-gc
$JC $JPID System.native_heap_info > $OUT/malloc0.xml 2>&1
$JC $JPID System.trim_native_heap >> $OUT/trim0.txt 2>&1; read_ base-trim
$JC $JPID VM.native_memory baseline >/dev/null
$JC $JPID GC.class_histogram > $OUT/histo0.txt
cat /proc/$JPID/smaps > $OUT/smaps0.txt
java -Xms2g -Xmx2g -XX:+UseParallelGC -Dvertx.disableDnsResolver=true -cp "$CP" io.chorus.loadgen.LoadGenerator \
  --scenario=idle --targets=ws://127.0.0.1:$HPORT/ws --server-pids=$JPID --connections=$N --rate=2 --duration=5s \
  --warmup=0s --idle-window=${IDLE:-90s} --max-run=300s --out=$OUT/lg > $OUT/loadgen.log 2>&1 &
LPID=$!
for i in $(seq 240); do
  c=$(ls /proc/$JPID/fd 2>/dev/null | wc -l)
  [ "$c" -ge $((N+50)) ] && break; sleep 1
done
for i in $(seq 20); do read_ load$i; sleep 2; done
$JC $JPID GC.run >/dev/null; sleep 1; read_ load-gc
$JC $JPID System.native_heap_info > $OUT/mallocN.xml 2>&1
$JC $JPID System.trim_native_heap >> $OUT/trimN.txt 2>&1; read_ load-trim
$JC $JPID GC.class_histogram > $OUT/histoN.txt
$JC $JPID VM.native_memory summary.diff > $OUT/nmt.txt
cat /proc/$JPID/smaps > $OUT/smapsN.txt
kill $LPID 2>/dev/null; wait $LPID 2>/dev/null
kill $JPID; wait $JPID 2>/dev/null
kill $RPID; wait $RPID 2>/dev/null
