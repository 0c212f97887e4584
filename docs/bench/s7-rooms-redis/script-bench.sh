#!/usr/bin/env bash
# Redis CPU per call of history_publish.lua variants, on a private redis-server (port 46379, never the machine's),
# with redis-benchmark. Usage: script-bench.sh [clients] [pipeline] [streams] [calls]
#   exact:  the script as of dcd9164 (XADD MAXLEN n), approx: MAXLEN ~ n, noexpire: approx without the two EXPIREs,
#   empty:  a script that returns at once (what EVALSHA costs by itself).
# KEYS[2] is derived from KEYS[1] here, because redis-benchmark draws a new random number for every __rand_int__.
set -euo pipefail
C=${1:-4}; P=${2:-8}; R=${3:-40}; N=${4:-300000}
cd "$(dirname "$0")/../../.."
dir=$(mktemp -d); port=46379
git show dcd9164:src/main/resources/lua/history_publish.lua | sed 's/KEYS\[2\]/(KEYS[1] .. "m")/g' > $dir/exact.lua
sed "s/'MAXLEN', ARGV\[4\]/'MAXLEN', '~', ARGV[4]/" $dir/exact.lua > $dir/approx.lua
grep -v EXPIRE $dir/approx.lua > $dir/noexpire.lua
printf "return {1,'x'}\n" > $dir/empty.lua
redis-server --port $port --save '' --appendonly no --daemonize yes --pidfile $dir/redis.pid --logfile $dir/redis.log
sleep 0.5
cpu() { redis-cli -p $port INFO cpu | awk -F: '/used_cpu_(user|sys):/{s+=$2} END{printf "%.6f", s}'; }
for v in empty exact approx noexpire exact approx noexpire; do
  sha=$(redis-cli -p $port SCRIPT LOAD "$(cat $dir/$v.lua)"); redis-cli -p $port FLUSHALL >/dev/null
  b=$(cpu)
  redis-benchmark -p $port -n $N -c $C -P $P -r $R -q EVALSHA $sha 2 'h:{r__rand_int__}:stream' x room:ch '1|r1|ROOM|' \
    '|r|x\n{"v":1,"type":"message","id":"abc","room":"r","payload":{"text":"hello world 1234567890"}}' 1000 3600 deadbeef publish >/dev/null
  a=$(cpu)
  python3 -c "print('$v', round(($a-$b)/$N*1e6,2), 'us of Redis CPU per call')"
done
kill "$(cat $dir/redis.pid)"; rm -rf "$dir"
