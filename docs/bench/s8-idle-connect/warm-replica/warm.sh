#!/bin/bash
# usage (from the repository root): docs/bench/s8-idle-connect/warm-replica/warm.sh NAME APPDIR RUNS "jvm opts" [extra -D props...]  -> one replica, RUNS x 5000 connects (each run closes its 5000 at the end)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
name=$1; app=$2; runs=$3; opts=$4; shift 4
d=target/warm-replica/$name; cd "$here/../../../.."; mkdir -p $d
ulimit -n $(ulimit -Hn)
redis-server --port 16402 --save '' --appendonly no > $d/redis.log 2>&1 & rp=$!
sleep 0.5
java -Xmx256m $opts -Dquarkus.http.port=18502 -Dquarkus.http.host=127.0.0.1 -Dchorus.replica-id=m1 -Dquarkus.redis.hosts=redis://127.0.0.1:16402 -Dchorus.auth.anonymous=true -Dchorus.limits.max-connections=1000000 "$@" -jar $app/quarkus-run.jar > $d/r1.log 2>&1 & P=$!
for i in $(seq 1 60); do curl -s -o /dev/null -w "%{http_code}" localhost:18502/q/health/ready 2>/dev/null | grep -q 200 && break; sleep 0.5; done
sleep 1
python3 "$here/threads.py" $P > $d/t0.txt; jstat -gc $P | tail -1 > $d/gc0.txt; ps -o rss= -p $P > $d/rss0.txt
for i in $(seq 1 $runs); do
  docs/bench/loadgen.sh --scenario=idle --replicas=1 --connections=5000 --rate=1 --duration=2s --warmup=0s --targets=ws://127.0.0.1:18502/ws --server-pids=$P --max-run=120s --out=target/loadgen/$name-$i > $d/lg$i.log 2>&1
  python3 "$here/threads.py" $P > $d/t$i.txt; jstat -gc $P | tail -1 > $d/gc$i.txt; ps -o rss= -p $P > $d/rss$i.txt
done
kill $P; wait $P; kill $rp
python3 - $d $runs <<'PY'
import sys,json
d,runs=sys.argv[1],int(sys.argv[2])
def load(n):
    r={}
    for l in open(f'{d}/t{n}.txt'):
        v,k=l.strip().split('s ',1); r[k]=float(v)
    return r
def gc(n):
    f=open(f'{d}/gc{n}.txt').read().split(); return int(f[12]),float(f[13]),int(f[14]),float(f[15])
for i in range(1,runs+1):
    a,b=load(i-1),load(i); g0,g1=gc(i-1),gc(i)
    rep=json.load(open(f'target/loadgen/{d.split("/")[-1]}-{i}/report.json'))
    tot=sum(b.values())-sum(a.values())
    cats={'loop':'vert.x-eventloo','C2':'C2 CompilerThre','C1':'C1 CompilerThre','VM':'VM Thread'}
    s=' '.join(f"{k}={(b.get(v,0)-a.get(v,0))*1e6/5000:4.0f}" for k,v in cats.items())
    print(f"run {i}: {rep['connect']['perSecond']:5d}/s total={tot*1e6/5000:5.0f}µs/conn {s} yGC={g1[0]-g0[0]} fGC={g1[2]-g0[2]} gen={rep['connect']['cpu']['generator']['cpuSeconds']*1e6/5000:.0f} other={rep['connect']['cpu']['machine']['otherProcessesCores']} rss={int(open(f'{d}/rss{i}.txt').read())//1024}MB")
PY
