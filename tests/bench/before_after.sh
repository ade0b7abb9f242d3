#!/bin/sh
# yimad before and after a change, in one sitting on one machine: builds
# BEFORE_COMMIT in a temporary git worktree (build/before-COMMIT, removed
# at the end), then runs the yima-only comparison (tests/bench/compare.py
# --peers none) against that yimad and against this checkout's, back to
# back, with the same options and the same clients (this checkout's), and
# prints them side by side: each workload before, after and the change,
# and the writer thread's CPU per loaded unit and per DISPENSE.
#
#   tests/bench/before_after.sh BEFORE_COMMIT [--size N] [--duration S]
#                               [--conns C] [--seed N] [--results FILE]
#
# The options go to both runs (clients/BENCH.md); each run writes its own
# RESULTS.md section (labels "before" and "after"), and the side-by-side
# table goes to a third ("before-after").  Everything listens on 127.0.0.1
# and is stopped at the end; every workload is bounded by --duration.
set -eu
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
	echo "usage: tests/bench/before_after.sh BEFORE_COMMIT [--size N] [--duration S]" \
	     "[--conns C] [--seed N] [--results FILE]" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! commit=$(git rev-parse --verify --quiet "$1^{commit}"); then
	echo "before_after.sh: '$1' is not a commit" >&2
	exit 2
fi
shift
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

echo "before_after.sh: before, yimad of $short" >&2
python3 tests/bench/compare.py --peers none --yimad "$tree/bin/yimad" --label before \
	--json "$tmp/before.json" "$@"
echo "before_after.sh: after, this checkout's yimad" >&2
python3 tests/bench/compare.py --peers none --label after --json "$tmp/after.json" "$@"
echo
python3 tests/bench/compare.py --before-after "$tmp/before.json" "$tmp/after.json" "$@"
