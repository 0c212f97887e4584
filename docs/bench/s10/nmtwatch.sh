#!/usr/bin/env bash
# one replica (the image options, NMT summary) and N (5000) idle connects held 75 s; every 3 s: RSS and NMT committed
# (MiB) by category. usage: APP=target/quarkus-app nmtwatch.sh TAG
cd "$(dirname "$0")/../../.."; N=${N:-5000}; OUT=/tmp/nmtwatch-${1:-a}; rm -rf $OUT; mkdir -p $OUT; EXTRA=${2:-}
ulimit -n $(ulimit -Hn)
RPORT=16472; HPORT=18572
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no >$OUT/redis.log 2>&1 & RPID=$!
sleep 0.5
LEAN="-XX:+UseSerialGC -Xms32m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000"
${JAVA:-java} -Xmx256m $LEAN -XX:NativeMemoryTracking=summary $EXTRA -Dquarkus.http.port=$HPORT -Dquarkus.http.host=127.0.0.1 \
  -Dchorus.replica-id=r1 -Dquarkus.redis.hosts=redis://127.0.0.1:$RPORT -Dchorus.auth.anonymous=true \
  -jar ${APP:-/tmp/main-app}/quarkus-run.jar >$OUT/replica.log 2>&1 & JPID=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$HPORT/q/health/ready >/dev/null && break; sleep 0.5; done
sleep 10
CP="src/bench/loadgen/target/classes:$(cat src/bench/loadgen/target/loadgen.classpath)"
java -Xms1g -Xmx1g -XX:+UseParallelGC -cp "$CP" io.chorus.loadgen.LoadGenerator --scenario=idle --targets=ws://127.0.0.1:$HPORT/ws \
  --server-pids=$JPID --connections=$N --rate=2 --duration=5s --warmup=0s --idle-window=${IDLE:-75s} --max-run=300s --out=$OUT/lg > $OUT/loadgen.log 2>&1 & LPID=$!
t=0
while kill -0 $LPID 2>/dev/null; do
  rss=$(grep VmRSS /proc/$JPID/status | awk '{print $2}'); fds=$(ls /proc/$JPID/fd | wc -l)
  nmt=$(jcmd $JPID VM.native_memory summary 2>/dev/null | python3 -c "
import sys,re
out=[]
for l in sys.stdin:
    m=re.match(r'-\s+(.+?) \(reserved=\d+KB, committed=(\d+)KB',l.strip())
    if m: out.append((m.group(1).replace(' ','_'),int(m.group(2))//1024))
print(' '.join(f'{k}={v}' for k,v in out if k in ('Java_Heap','Code','Other','Metaspace','Internal','Arena_Chunk','Thread','Compiler','GC','Symbol')))
")
  echo "$t rss=$((rss/1024)) fds=$fds $nmt" | tee -a $OUT/watch.txt
  sleep 3; t=$((t+3))
done
kill $JPID; wait $JPID 2>/dev/null; kill $RPID
