#!/bin/sh
# Run every cmocka unit-test binary given and count test cases, not
# binaries: each binary's summary lines "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)" are summed.  A binary that crashes, or exits
# non-zero without reporting a failed case, or prints no summary at all,
# counts as one failure more.  Prints one summary line,
#   unit: N passed, M failed
# and exits non-zero if anything failed or no test case ran.
passed=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/yima-unit.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT TERM

# sum_counts WORD FILE: the sum of N over the lines "[  WORD  ] N test(s)".
sum_counts() {
	sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test(s).*/\1/p" "$2" |
		awk '{ s += $1 } END { print s + 0 }'
}

for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=STDOUT "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(sum_counts PASSED "$out")
	f=$(sum_counts FAILED "$out")
	summaries=$(grep -c '^\[  PASSED  \] [0-9]* test(s)\|^\[  FAILED  \] [0-9]* test(s)' "$out")
	why=""
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exit status $rc and no failed test case reported (crashed?)"
	elif [ "$summaries" -eq 0 ]; then
		why="no cmocka summary in its output"
	fi
	if [ -n "$why" ]; then
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAILED: $t: $f failed${why:+ ($why)}" >&2
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
