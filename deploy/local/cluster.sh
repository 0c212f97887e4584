#!/usr/bin/env bash
# A local Chorus cluster of plain processes, no Docker: its own redis-server on a free loopback port (never the
# machine's 6379) and N replicas of target/quarkus-app/quarkus-run.jar on free ports, all on 127.0.0.1.
#
#   deploy/local/cluster.sh up [N]      start N replicas (default 2), print the URLs, stay in the foreground;
#                                       Ctrl-C stops everything it started
#   deploy/local/cluster.sh start [N]   the same, in the background; the script returns once all are ready
#   deploy/local/cluster.sh stop        stop what `start` started (by PID, nothing else)
#   deploy/local/cluster.sh status      what `start` started, and whether it is still running
#   deploy/local/cluster.sh --smoke     start 2 replicas, check that a message crosses from one to the other with a
#                                       tiny WebSocket client (deploy/local/ws_smoke.py), stop; non-zero on failure
#
# Build the application first: ./mvnw -B package -DskipTests. Settings (environment): JAVA (java binary),
# JAVA_OPTS (extra JVM options, default -Xmx256m), CHORUS_CLUSTER_DIR (state and logs, default
# target/local-cluster), READY_TIMEOUT (seconds to wait for readiness, default 120).
#
# Processes are stopped only by the PIDs this script recorded, and only after checking that the PID still runs the
# command it started (a recycled PID is left alone). Never pkill/killall.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/deploy/local"
JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
STATE="${CHORUS_CLUSTER_DIR:-$ROOT/target/local-cluster}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${JAVA_OPTS:--Xmx256m}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

TAKEN_PORTS=" "
free_port() { # a free loopback port, never one handed out before by this script (a replica may not listen on it yet)
  local port
  for _ in $(seq 1 20); do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' \
      2>/dev/null || echo $((20000 + RANDOM % 20000)))
    # Never the machine's Redis port, nor one something already listens on.
    if [ "$port" != 6379 ] && [[ "$TAKEN_PORTS" != *" $port "* ]] \
      && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

# Records "<pid> <marker>" so that stop can check the PID is still ours before signalling it.
record() { echo "$1 $2" >> "$STATE/pids"; }

is_ours() { # pid marker: true when the PID is alive and its command line contains the marker
  local pid=$1 marker=$2
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

stop_pid() { # pid marker: SIGTERM, wait up to 30 s (replicas drain their clients), then SIGKILL
  local pid=$1 marker=$2
  if ! is_ours "$pid" "$marker"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do
    is_ours "$pid" "$marker" || return 0
    sleep 0.1
  done
  log "pid $pid did not stop in 30 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  [ -f "$STATE/pids" ] || return 0
  # Replicas first (they were recorded after Redis), in reverse order; Redis last.
  local lines
  lines=$(tac "$STATE/pids")
  while read -r pid marker; do
    [ -n "$pid" ] || continue
    stop_pid "$pid" "$marker"
  done <<< "$lines"
  rm -f "$STATE/pids" "$STATE/urls"
  log "stopped"
}

http_status() { # url -> HTTP status, or 000
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || echo 000
}

start_cluster() { # replicas
  local replicas=$1
  [ "$replicas" -ge 1 ] 2>/dev/null || die "N must be a positive number: $replicas"
  [ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -B package -DskipTests"
  command -v redis-server >/dev/null || die "redis-server is not on the PATH (apt-get install redis-server)"
  command -v curl >/dev/null || die "curl is not on the PATH"
  if [ -f "$STATE/pids" ]; then
    while read -r pid marker; do
      is_ours "$pid" "$marker" && die "a cluster started from $STATE still runs: deploy/local/cluster.sh stop first"
    done < "$STATE/pids"
    rm -f "$STATE/pids" # left by a run that was killed; none of its processes is alive
  fi
  mkdir -p "$STATE"
  : > "$STATE/pids"
  : > "$STATE/urls"

  local redis_port
  redis_port=$(free_port)
  TAKEN_PORTS="$TAKEN_PORTS$redis_port "
  mkdir -p "$STATE/redis"
  # setsid: a Ctrl-C in this terminal reaches this script, which then stops the processes in order.
  setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$STATE/redis" \
    --logfile "$STATE/redis.log" --daemonize no < /dev/null > /dev/null 2>&1 &
  record $! "redis-server 127.0.0.1:$redis_port"
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG || { cat "$STATE/redis.log" >&2; die "Redis did not start"; }
  log "Redis on 127.0.0.1:$redis_port (pid $(tail -n1 "$STATE/pids" | cut -d' ' -f1))"

  local i port pids=() ports=()
  for i in $(seq 1 "$replicas"); do
    port=$(free_port)
    TAKEN_PORTS="$TAKEN_PORTS$port "
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
    # A local cluster for development: anonymous connections (?user=) unless CHORUS_AUTH_ANONYMOUS=false
    CHORUS_AUTH_ANONYMOUS="${CHORUS_AUTH_ANONYMOUS:-true}" \
    QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$redis_port" CHORUS_REPLICA_ID="r$i" \
      setsid "$JAVA" $JAVA_OPTS -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
      -jar "$JAR" < /dev/null > "$STATE/replica-r$i.log" 2>&1 &
    record $! "-Dquarkus.http.port=$port"
    pids+=("$!")
    ports+=("$port")
  done

  local deadline=$((SECONDS + READY_TIMEOUT)) ready
  while :; do
    ready=0
    for i in $(seq 1 "$replicas"); do
      if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
        tail -n 40 "$STATE/replica-r$i.log" >&2 || true
        stop_all
        die "replica r$i exited (log above, full log was $STATE/replica-r$i.log)"
      fi
      [ "$(http_status "http://127.0.0.1:${ports[$((i - 1))]}/q/health/ready")" = 200 ] && ready=$((ready + 1))
    done
    [ "$ready" -eq "$replicas" ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      stop_all
      die "not every replica was ready within ${READY_TIMEOUT}s (logs in $STATE)"
    fi
    sleep 0.2
  done

  for i in $(seq 1 "$replicas"); do
    echo "r$i ws://127.0.0.1:${ports[$((i - 1))]}/ws http://127.0.0.1:${ports[$((i - 1))]}/q/health" >> "$STATE/urls"
  done
  log "$replicas replica(s) ready (logs in $STATE):"
  sed 's/^/  /' "$STATE/urls"
  # The demo page of each replica, told every replica's WebSocket (its own first) so it fails over when one dies.
  local servers others
  log "live demo (chat across replicas; stop a replica and watch its page move to another):"
  for i in $(seq 1 "$replicas"); do
    others=""
    for j in $(seq 1 "$replicas"); do
      [ "$j" = "$i" ] || others="$others,ws://127.0.0.1:${ports[$((j - 1))]}/ws"
    done
    servers="ws://127.0.0.1:${ports[$((i - 1))]}/ws$others"
    log "  r$i http://127.0.0.1:${ports[$((i - 1))]}/?servers=$servers"
  done
}

ws_url() { # n -> the WebSocket URL of replica n
  sed -n "${1}p" "$STATE/urls" | cut -d' ' -f2
}

case "${1:-up}" in
  up)
    trap 'stop_all; exit 130' INT TERM
    trap 'stop_all' EXIT
    start_cluster "${2:-2}"
    log "Ctrl-C stops the cluster"
    while :; do sleep 1; done
    ;;
  start)
    start_cluster "${2:-2}"
    log "deploy/local/cluster.sh stop stops it"
    ;;
  stop)
    stop_all
    ;;
  status)
    if [ ! -f "$STATE/pids" ]; then
      log "no cluster started from $STATE"
      exit 0
    fi
    while read -r pid marker; do
      if is_ours "$pid" "$marker"; then echo "running  $pid  $marker"; else echo "gone     $pid  $marker"; fi
    done < "$STATE/pids"
    [ -f "$STATE/urls" ] && cat "$STATE/urls"
    ;;
  --smoke|smoke)
    # A state directory of its own, so the smoke check never touches a cluster someone started by hand.
    STATE="${CHORUS_CLUSTER_DIR:-$ROOT/target/local-cluster-smoke}"
    trap 'stop_all' EXIT
    trap 'exit 130' INT TERM
    start_cluster 2
    if python3 "$HERE/ws_smoke.py" "$(ws_url 1)" "$(ws_url 2)"; then
      log "smoke check passed"
      echo "smoke: 1 passed, 0 failed"
    else
      for i in 1 2; do log "--- replica r$i log (tail)"; tail -n 30 "$STATE/replica-r$i.log" >&2 || true; done
      echo "smoke: 0 passed, 1 failed"
      die "smoke check FAILED"
    fi
    ;;
  -h|--help|help)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    die "unknown command: $1 (up, start, stop, status, --smoke)"
    ;;
esac
