#!/bin/sh
# The side-by-side benchmark of issue 8: yima against Redis and PostgreSQL
# on the same data, the same client (yima-bench) and the same concurrency,
# then RESULTS.md.  Builds first; installs redis-server and postgresql when
# missing (as root).
#
#   tests/bench/run.sh [--size N] [--duration S] [--conns C] [--peers redis,pg|none]
#                      [--yimad PATH] [--label NAME] [--json FILE]
#   tests/bench/run.sh --curve 1000000,10000000,100000000
#
# Before and after a change to yimad: tests/bench/before_after.sh.
#
# Defaults: 1,000,000 units, 20 s per workload, 50 connections.  At
# --size 10000000 the whole run takes about 15 minutes on 2 cores (five
# workloads per server, each bounded by --duration, plus the loads).
# Everything listens on 127.0.0.1 and is stopped at the end; see
# tests/bench/compare.py and clients/BENCH.md.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
sh config/install-deps.sh bench
make --no-print-directory build >/dev/null
exec python3 tests/bench/compare.py "$@"
