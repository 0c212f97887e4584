#!/bin/bash
# JDK 25 AOT cache trained on Chorus's own traffic: one replica records while the generator connects 5,000 idle clients,
# then runs rooms; the cache is written when the replica exits (SIGTERM).
cd "$(dirname "$0")/../../.."
J25=/usr/lib/jvm/temurin-25-jdk-amd64
APP=${APP:-/tmp/wt-aot/target/quarkus-app}   # an aot-jar build: JAVA_HOME=$J25 ./mvnw -B package -DskipTests -Paot
NEW="-XX:+UseSerialGC -Xms32m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000 -XX:+UseCompactObjectHeaders"
mkdir -p /tmp/aot
RPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
HPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no > /tmp/aot/redis.log 2>&1 &
RPID=$!
sleep 0.5
rm -f /tmp/aot/chorus.aot
$J25/bin/java -Xmx256m $NEW -XX:AOTCacheOutput=/tmp/aot/chorus.aot -Dquarkus.http.port=$HPORT -Dquarkus.http.host=127.0.0.1 \
  -Dchorus.replica-id=trainer -Dquarkus.redis.hosts=redis://127.0.0.1:$RPORT -Dchorus.auth.anonymous=true \
  -Dchorus.limits.publish-rate=10000000 -Dchorus.limits.publish-burst=10000000 -Dchorus.limits.max-connections=1000000 \
  -jar $APP/quarkus-run.jar > /tmp/aot/trainer.log 2>&1 &
JPID=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$HPORT/q/health/ready >/dev/null && break; sleep 0.5; done
CP="src/bench/loadgen/target/classes:$(cat src/bench/loadgen/target/loadgen.classpath)"
ulimit -n $(ulimit -Hn)
for scenario in idle rooms; do
  java -Xms2g -Xmx2g -XX:+UseParallelGC -Dvertx.disableDnsResolver=true -cp "$CP" io.chorus.loadgen.LoadGenerator \
    --scenario=$scenario --targets=ws://127.0.0.1:$HPORT/ws --server-pids=$JPID --connections=5000 --room-size=5 \
    --rate=200 --duration=10s --warmup=2s --idle-window=10s --max-run=120s --out=/tmp/aot/lg-$scenario > /tmp/aot/lg-$scenario.log 2>&1
  echo "$scenario rc $?"
done
kill -TERM $JPID
for i in $(seq 120); do kill -0 $JPID 2>/dev/null || break; sleep 1; done
echo "replica exited after ${i}s"; ls -la /tmp/aot/chorus.aot
kill $RPID
