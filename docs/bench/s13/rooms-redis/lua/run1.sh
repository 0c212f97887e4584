#!/bin/bash
# run1.sh S|SR : usec per EVALSHA call for 20,000 one-message calls over 400 rooms, 2 subscribers per room channel.
# S is src/main/resources/lua/history_publish.lua as it is; SR is it with SR.patch applied (the TTL refreshed every
# quarter TTL instead of on every message; not adopted).
V=$1; PORT=16600
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
cp "$HERE/../../../../../src/main/resources/lua/history_publish.lua" "$WORK/S.lua"
cp "$WORK/S.lua" "$WORK/SR.lua" && patch -s "$WORK/SR.lua" "$HERE/SR.patch"
redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no > /dev/null 2>&1 & RP=$!
sleep 0.5
CH=$(for r in $(seq 0 399); do echo -n "r:room-$r "; done)
redis-cli -p $PORT SUBSCRIBE $CH > /dev/null & S1=$!
redis-cli -p $PORT SUBSCRIBE $CH > /dev/null & S2=$!
sleep 0.5
SHA=$(redis-cli -p $PORT SCRIPT LOAD "$(cat "$WORK/$V.lua")")
python3 "$HERE/gen1.py" $SHA 20000 400 > /tmp/lua-$V.resp
redis-cli -p $PORT --pipe < /tmp/lua-$V.resp > /dev/null   # warm: streams exist
redis-cli -p $PORT CONFIG RESETSTAT > /dev/null
T0=$(awk '{print $14+$15}' /proc/$RP/stat)
redis-cli -p $PORT --pipe < /tmp/lua-$V.resp > /dev/null
redis-cli -p $PORT --pipe < /tmp/lua-$V.resp > /dev/null
T1=$(awk '{print $14+$15}' /proc/$RP/stat)
echo "$V: $(redis-cli -p $PORT INFO commandstats | grep -E 'evalsha|xadd|hmget|expire|publish' | tr -d '\r' | sed 's/,rejected_calls.*//' | tr '\n' ' ')  cpu_ticks_per_40k=$((T1-T0))"
kill $S1 $S2 $RP; wait $RP 2>/dev/null
rm -rf "$WORK"
