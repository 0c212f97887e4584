# Sourced by idle-profile.sh and settled-rss.sh (from the project root, with NAME, APP, EXTRA set): makes
# target/memory/NAME, starts redis-server on a free port and one replica of APP with the image's lean options (LEAN),
# NMT on and EXTRA added, waits until it is ready; sets OUT, RPID, JPID, HPORT, and CP (the load generator's classpath).
OUT=target/memory/$NAME; rm -rf $OUT; mkdir -p $OUT
ulimit -n $(ulimit -Hn)
RPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
HPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no >$OUT/redis.log 2>&1 &
RPID=$!
sleep 0.5
LEAN=${LEAN:-"-XX:+UseSerialGC -Xms32m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000"}
${JAVA:-java} -Xmx256m $LEAN -XX:NativeMemoryTracking=summary $EXTRA -Dquarkus.http.port=$HPORT -Dquarkus.http.host=127.0.0.1 \
  -Dchorus.replica-id=r1 -Dquarkus.redis.hosts=redis://127.0.0.1:$RPORT -Dchorus.auth.anonymous=true \
  -jar $APP/quarkus-run.jar >$OUT/replica.log 2>&1 &
JPID=$!
echo "replica $JPID redis $RPID port $HPORT"
for i in $(seq 60); do curl -sf http://127.0.0.1:$HPORT/q/health/ready >/dev/null && break; sleep 0.5; done
CP="src/bench/loadgen/target/classes:$(cat src/bench/loadgen/target/loadgen.classpath)"
