#!/bin/sh
# Durable write throughput of PRODUCT SET from concurrent clients, driven by
# redis-benchmark (an independent RESP client), and the writer's mean group
# size.
#
#   tests/bench/write_throughput.sh [CLIENTS] [REQUESTS]    (default 50 200000)
#
# Starts bin/yimad on a free loopback port with a fresh data directory on the
# same disk as the repository (so fsync is real), runs the load, prints
# redis-benchmark's summary and INFO writer, and stops yimad.
set -eu
clients=${1:-50}
requests=${2:-200000}
[ "$requests" -le 5000000 ] || { echo "at most 5000000 requests" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "$root/build/bench.XXXXXX")
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

"$root/bin/yimad" --port 0 --port-file "$tmp/port" --data "$tmp/data" \
	--log-level warn >"$tmp/log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1)); [ $i -lt 2000 ] || { cat "$tmp/log"; exit 1; }; sleep 0.01
done
port=$(cat "$tmp/port")

echo "== $clients clients, $requests durable PRODUCT SETs (pipeline 1), $(nproc) cores"
# __rand_int__ makes every request a different name: each one is a real write.
redis-benchmark -p "$port" -c "$clients" -n "$requests" -r 1000000 -q \
	PRODUCT SET 06901234567892 name "n__rand_int__" 2>&1 |
	tr '\r' '\n' | grep -v -i 'config' | tail -n 1
echo "== INFO writer"
"$root/bin/yima" -p "$port" INFO writer
