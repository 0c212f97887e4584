#!/usr/bin/env bash
# Runs the Chorus load generator (src/bench/loadgen, a Maven project of its own) in a JVM of its own, so its heap and CPUs can be
# chosen, after raising the open-files limit (every WebSocket is a file descriptor, in the generator and in the
# replica alike). Arguments go to the generator; `--help` lists them. See docs/benchmarks.md.
#
#   LOADGEN_CPUS=1      taskset CPU list for the generator (default: not pinned)
#   LOADGEN_HEAP=2g     generator heap (-Xms = -Xmx)
#   LOADGEN_BUILD=1     rebuild the server jar even if target/quarkus-app/quarkus-run.jar exists
#   LOADGEN_NICE=-10    nice value of the generator (see --server-nice for the servers)
#   LOADGEN_WAIT_IDLE=N wait up to N seconds for a quiet machine (>= 60% idle over 2 s) before starting: on a shared
#                       machine other builds take CPU from the run; the report says how much (otherProcessesCores)
#
# Example: LOADGEN_CPUS=1 docs/bench/loadgen.sh --scenario=broadcast --connections=10000 --rate=20 --server-cpus=0 --redis-cpus=0
set -euo pipefail
cd "$(dirname "$0")/../.."

# Raise the soft limit to the hard one; the children (redis-server, replicas) inherit it.
ulimit -n "$(ulimit -Hn)"

if [ "${LOADGEN_BUILD:-0}" = 1 ] || [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  ./mvnw -B -q package -DskipTests
fi
LOADGEN=src/bench/loadgen
./mvnw -B -q -f "$LOADGEN/pom.xml" compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$LOADGEN/target/loadgen.classpath" -Dmdep.includeScope=runtime
CLASSPATH="$LOADGEN/target/classes:$(cat "$LOADGEN/target/loadgen.classpath")"
export CLASSPATH

idle_percent() {
  local a b
  read -r -a a < /proc/stat; sleep 2; read -r -a b < /proc/stat
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(( total > 0 ? 100 * (b[4] - a[4] + b[5] - a[5]) / total : 100 ))
}
if [ -n "${LOADGEN_WAIT_IDLE:-}" ]; then
  deadline=$((SECONDS + LOADGEN_WAIT_IDLE))
  while idle=$(idle_percent) && [ "$idle" -lt 60 ] && [ "$SECONDS" -lt "$deadline" ]; do
    echo "[loadgen.sh] machine only ${idle}% idle: waiting" >&2
  done
  echo "[loadgen.sh] machine ${idle}% idle: starting" >&2
fi

HEAP="${LOADGEN_HEAP:-2g}"
PIN=()
if [ -n "${LOADGEN_NICE:-}" ]; then
  PIN=(nice -n "$LOADGEN_NICE")
fi
if [ -n "${LOADGEN_CPUS:-}" ]; then
  PIN+=(taskset -c "$LOADGEN_CPUS")
fi
# LOADGEN_SERVER_JAVA_HOME: the JDK that runs Chorus replicas (default: the generator's own, the java on PATH)
SERVER_JAVA=()
if [ -n "${LOADGEN_SERVER_JAVA_HOME:-}" ]; then
  SERVER_JAVA=(-Dchorus.replica.java-home="$LOADGEN_SERVER_JAVA_HOME")
fi
exec "${PIN[@]}" java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseParallelGC -Dvertx.disableDnsResolver=true "${SERVER_JAVA[@]}" \
  io.chorus.loadgen.LoadGenerator "$@"
