#!/bin/bash
# redis-stats.sh OUTFILE : finds the newest redis-server started after now with a port != 6379, snapshots INFO commandstats + cpu every 5 s
OUT=$1; : > $OUT
START=$(date +%s)
for i in $(seq 120); do
  PID=$(pgrep -n -x redis-server)
  if [ -n "$PID" ]; then
    PORT=$(tr '\0' ' ' < /proc/$PID/cmdline | grep -o -- '--port [0-9]*\|:[0-9]*' | grep -o '[0-9]*' | head -1)
    [ -n "$PORT" ] && [ "$PORT" != 6379 ] && [ $(stat -c %Y /proc/$PID) -ge $START ] && break
  fi
  sleep 1
done
echo "pid=$PID port=$PORT" >> $OUT
while kill -0 $PID 2>/dev/null; do
  echo "=== $(date +%s.%N)" >> $OUT
  redis-cli -p $PORT INFO commandstats >> $OUT 2>/dev/null
  redis-cli -p $PORT INFO cpu | grep used_cpu >> $OUT 2>/dev/null
  redis-cli -p $PORT INFO clients | grep connected_clients >> $OUT 2>/dev/null
  sleep 5
done
