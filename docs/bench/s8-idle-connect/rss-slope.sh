#!/bin/bash
# one replica (the image's JVM options): RSS after start (12 s, GC), after 5,000 connections, after 10,000
set -u
cd "$(dirname "$0")/../../.."; d=target/slope; mkdir -p $d; ulimit -n $(ulimit -Hn)
OPTS="-XX:+UseSerialGC -Xms32m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000"
redis-server --port 16403 --save '' --appendonly no > $d/redis.log 2>&1 & rp=$!
sleep 0.5
java -Xmx512m $OPTS -Dquarkus.http.port=18503 -Dquarkus.http.host=127.0.0.1 -Dchorus.replica-id=m1 -Dquarkus.redis.hosts=redis://127.0.0.1:16403 -Dchorus.auth.anonymous=true -Dchorus.limits.max-connections=1000000 -jar ${APP:-target/quarkus-app}/quarkus-run.jar > $d/r1.log 2>&1 & P=$!
for i in $(seq 1 60); do curl -s -o /dev/null -w "%{http_code}" localhost:18503/q/health/ready 2>/dev/null | grep -q 200 && break; sleep 0.5; done
sleep 12; jcmd $P GC.run >/dev/null; sleep 2; s0=$(ps -o rss= -p $P); echo "start: $s0 KiB"
lg() { docs/bench/loadgen.sh --scenario=idle --replicas=1 --connections=5000 --rate=1 --warmup=0s --targets=ws://127.0.0.1:18503/ws --server-pids=$P --max-run=200s "$@"; }
lg --duration=100s --out=target/loadgen/s8-slope-a > $d/a.log 2>&1 &
a=$!
for i in $(seq 1 90); do grep -q "connected 5,000" $d/a.log && break; sleep 1; done
sleep 8; jcmd $P GC.run >/dev/null; sleep 6; s1=$(ps -o rss= -p $P); echo "5,000: $s1 KiB"
lg --duration=30s --out=target/loadgen/s8-slope-b --sources=2 > $d/b.log 2>&1 &
b=$!
for i in $(seq 1 90); do grep -q "connected 5,000" $d/b.log && break; sleep 1; done
sleep 8; jcmd $P GC.run >/dev/null; sleep 6; s2=$(ps -o rss= -p $P); echo "10,000: $s2 KiB"
jcmd $P GC.heap_info | head -5
python3 -c "print(f'first 5,000: {($s1-$s0)/5000:.2f} KiB/conn; next 5,000: {($s2-$s1)/5000:.2f} KiB/conn')"
wait $b; wait $a
kill $P; wait $P; kill $rp
