#!/usr/bin/env bash
# Runs the multi-process generator (src/bench/loadgen: io.chorus.loadgen.ScaleCoordinator): Redis, N replicas and W worker
# processes of <= 16,500 clients each (4 source addresses 127.0.<w+2>.1-4 per worker). Arguments go to the coordinator.
# See docs/benchmarks.md, "100,000 clients over processes". Bounded by --max-run (<= 10 minutes); loopback only.
#
# Example: docs/bench/scale.sh --clients=20000 --workers=2 --replicas=3 --out=target/loadgen/scale-20k
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)"
if [ "${LOADGEN_BUILD:-0}" = 1 ] || [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  ./mvnw -B -q package -DskipTests
fi
LOADGEN=src/bench/loadgen
./mvnw -B -q -f "$LOADGEN/pom.xml" compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$LOADGEN/target/loadgen.classpath" -Dmdep.includeScope=runtime
# a frozen copy of the classes (the workers get the same classpath), so a build in this tree cannot change a running run
FROZEN="$(mktemp -d "${TMPDIR:-/tmp}/scale-classes.XXXXXX")"
cp -r "$LOADGEN/target/classes" "$FROZEN/"
exec java -Xmx256m -XX:+UseSerialGC -Dvertx.disableDnsResolver=true \
  -cp "$FROZEN/classes:$(cat "$LOADGEN/target/loadgen.classpath")" io.chorus.loadgen.ScaleCoordinator "$@"
