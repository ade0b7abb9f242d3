#!/bin/sh
# Parse throughput of the identifier codecs, single thread, per syntax
# (tests/bench/codec_bench.c; results in tests/bench/CODEC.md).
#
#   tests/bench/codec_bench.sh [SECONDS]     (default 1, per syntax)
#
# Builds build/codec_bench with -O2 from proto/ alone and runs it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p build
cc -O2 -std=c11 -D_GNU_SOURCE -Iproto -o build/codec_bench \
	tests/bench/codec_bench.c proto/*.c $(pkg-config --libs jansson)
echo "== $(date -u +%FT%TZ), $(nproc) cores," \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
	"commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
exec build/codec_bench "${1:-1}"
