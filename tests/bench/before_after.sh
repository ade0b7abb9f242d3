#!/bin/sh
# yimad before and after a change, in one sitting on one machine: builds
# BEFORE_COMMIT in a temporary git worktree (build/before-COMMIT, removed
# at the end), then runs the yima-only comparison (tests/bench/compare.py
# --peers none) against that yimad and against this checkout's, back to
# back, with the same options and the same workload client (this
# checkout's yima-bench; each build loads with its own yima, since how rows
# are batched is the client's), and prints them side by side: each workload before, after and the change,
# and the writer thread's CPU per loaded unit and per DISPENSE.
#
#   tests/bench/before_after.sh BEFORE_COMMIT [--rounds N] [--size N]
#                               [--duration S] [--conns C] [--seed N]
#                               [--half-rate REQ_S] [--results FILE]
#   tests/bench/before_after.sh BEFORE_COMMIT --paired [--pairs K]
#                               [--seconds S] [--size N] [--conns C]
#                               [--seed N] [--results FILE]
#
# --paired measures in short interleaved pairs instead of whole runs
# (tests/bench/paired.py: every figure K times for each build, the two
# back to back, the change the median of the per-pair ratios), which
# cancels a shared machine's drift; its options go to paired.py.
#
# --rounds N (default 1) runs before and after in turn N times and compares
# each side's medians: a shared machine's load comes and goes, and one
# round of each can differ by more than the change being measured.  The
# other options go to every run (clients/BENCH.md).  The runs write their
# RESULTS.md sections (labels "before" and "after": the last round's), and
# the side-by-side table goes to a third ("before-after").  Everything
# listens on 127.0.0.1 and is stopped at the end; every workload is bounded
# by --duration.  The latency workload (VERIFY at half of peak) offers
# both builds the same load: half of the first before run's peak, unless
# --half-rate says otherwise.
set -eu
usage() {
	echo "usage: tests/bench/before_after.sh BEFORE_COMMIT [--rounds N] [--size N]" \
	     "[--duration S] [--conns C] [--seed N] [--results FILE]" >&2
	echo "       tests/bench/before_after.sh BEFORE_COMMIT --paired [--pairs K]" \
	     "[--seconds S] [--size N] [--conns C] [--seed N] [--results FILE]" >&2
	exit 2
}
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
	usage
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! commit=$(git rev-parse --verify --quiet "$1^{commit}"); then
	echo "before_after.sh: '$1' is not a commit" >&2
	exit 2
fi
shift
# Take --rounds and --paired out of the options; the rest go to
# compare.py (or paired.py).
rounds=1
paired=
n=$#
while [ "$n" -gt 0 ]; do
	arg=$1
	shift
	n=$((n - 1))
	case $arg in
	--rounds)
		[ "$n" -gt 0 ] || usage
		rounds=$1
		shift
		n=$((n - 1))
		;;
	--rounds=*) rounds=${arg#--rounds=} ;;
	--paired) paired=yes ;;
	*) set -- "$@" "$arg" ;;
	esac
done
case $rounds in
[1-9] | 10) ;;
*)
	echo "before_after.sh: --rounds goes from 1 to 10" >&2
	exit 2
	;;
esac
short=$(git rev-parse --short "$commit")
tree=build/before-$short
tmp=$(mktemp -d "${TMPDIR:-/tmp}/yima-before-after.XXXXXX")

cleanup() {
	git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
	git worktree prune
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh config/install-deps.sh bench
make --no-print-directory build >/dev/null
# A worktree left by an interrupted run is replaced.
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git worktree prune
git worktree add --quiet --detach "$tree" "$commit"
echo "before_after.sh: building $short in $tree" >&2
make --no-print-directory -C "$tree" build >/dev/null

if [ -n "$paired" ]; then
	python3 tests/bench/paired.py --before-yimad "$tree/bin/yimad" \
		--before-yima "$tree/bin/yima" --before-label "before ($short)" \
		--after-label "after" "$@"
	exit
fi

half_rate=
for arg in "$@"; do
	case $arg in --half-rate | --half-rate=*) half_rate=given ;; esac
done
r=1
while [ "$r" -le "$rounds" ]; do
	i=$(printf %02d "$r")
	echo "before_after.sh: round $r of $rounds: before, yimad of $short" >&2
	python3 tests/bench/compare.py --peers none --yimad "$tree/bin/yimad" --label before \
		--json "$tmp/before-$i.json" "$@"
	if [ -z "$half_rate" ]; then
		# The first before run's half peak is the latency runs' one
		# offered load, for both builds in every round.
		half_rate=$(python3 -c 'import json, sys
print(round(json.load(open(sys.argv[1]))["yima"]["half_rate"]))' "$tmp/before-$i.json")
		set -- "$@" --half-rate "$half_rate"
	fi
	echo "before_after.sh: round $r of $rounds: after, this checkout's yimad" >&2
	python3 tests/bench/compare.py --peers none --label after --json "$tmp/after-$i.json" "$@"
	r=$((r + 1))
done
echo
python3 tests/bench/compare.py --before "$tmp"/before-*.json --after "$tmp"/after-*.json "$@"
