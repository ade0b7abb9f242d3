#!/bin/sh
# IMPACT PRODUCT on a large store: yima-gen's chain of N units (default
# 10,000,000, with --archives: sites carry their regions) loaded with `yima
# load` into a yimad of this build, then the time IMPACT PRODUCT takes for
# the product with the most lots, and for one region of it, each RUNS times
# (request to the reply's last byte, as the client sees it), with the
# reply's size; then RISK, the inspection list, which reads every sale
# record, alert and event of the store, and the listings a regulator pages
# through: the product's lots (LOTS), the busiest site's stock (STOCK) and
# the sites selling on an expired licence (SITE LIST EXPIRED).
#
#   [PRODUCTS=P] tests/bench/impact_product_bench.sh [UNITS] [RUNS]
#
# PRODUCTS (yima-gen --products) sets how many product families share the
# lots: at 10 M units yima-gen makes about 200 lots, so its default (one
# family per 50,000 units) gives one lot per product and PRODUCTS=10 about
# twenty.
#
# Data goes under build/bench-impact-product/ and is kept (KEEP=0 removes
# it): a second run with the same UNITS reuses the loaded store.  Every
# step is bounded (timeout); yimad listens on 127.0.0.1 and is stopped by
# its pid.
set -eu
UNITS=${1:-10000000}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${YIMA_BIN:-$ROOT/bin}
PRODUCTS=${PRODUCTS:-}
WORK=$ROOT/build/bench-impact-product/$UNITS${PRODUCTS:+-p$PRODUCTS}
TODAY=2026-11-22
PORT=${PORT:-17791}
mkdir -p "$WORK"
cd "$WORK"

if [ ! -f gen/events.csv ]; then
	timeout 600 "$BIN/yima-gen" --units "$UNITS" --seed 1 --today $TODAY --archives \
		${PRODUCTS:+--products "$PRODUCTS"} --out gen
fi
"$BIN/yimad" --port $PORT --data data --clock-today $TODAY --log-level warn \
	--map-size 64g >yimad.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT INT TERM
i=0
until "$BIN/yima" -p $PORT PING >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "yimad did not start" >&2; exit 1; }
	sleep 0.1
done
if [ ! -f loaded ]; then
	start=$(date +%s.%N)
	timeout 1800 "$BIN/yima" -p $PORT load gen/sites.csv gen/products.csv gen/events.csv
	end=$(date +%s.%N)
	echo "load: $(echo "$end - $start" | bc) s"
	touch loaded
fi
# The product with the most lots (expected.csv: product,lot,... per lot and site).
PRODUCT=$(tail -n +2 gen/expected.csv | cut -d, -f1,2 | sort -u | cut -d, -f1 | uniq -c |
	sort -rn | head -1 | awk '{print $2}')
LOTS=$(tail -n +2 gen/expected.csv | cut -d, -f1,2 | sort -u | grep -c "^$PRODUCT,")
echo "units $UNITS, product $PRODUCT with $LOTS lots"
bench() {
	label=$1; shift
	n=0
	while [ $n -lt "$RUNS" ]; do
		start=$(date +%s%N)
		bytes=$(timeout 900 "$BIN/yima" -p $PORT --timeout 0 --json "$@" | wc -c)
		end=$(date +%s%N)
		echo "$label run $n: $(( (end - start) / 1000000 )) ms, $bytes bytes"
		n=$((n + 1))
	done
}
LOT=$(tail -n +2 gen/expected.csv | grep "^$PRODUCT," | cut -d, -f2 | sort -u | head -1)
bench "IMPACT $PRODUCT $LOT (one lot)" IMPACT "$PRODUCT" "$LOT"
bench "IMPACT PRODUCT $PRODUCT" IMPACT PRODUCT "$PRODUCT"
bench "IMPACT PRODUCT $PRODUCT REGION 11" IMPACT PRODUCT "$PRODUCT" REGION 11
bench "RISK LIMIT 20" RISK LIMIT 20
bench "LOTS PRODUCT $PRODUCT" LOTS PRODUCT "$PRODUCT" COUNT 1000
# The site holding the most units (expected.csv's in_stock, column 4).
BUSY=$(tail -n +2 gen/expected.csv | awk -F, '{n[$3] += $4} END {for (s in n) print n[s], s}' |
	sort -rn | head -1 | awk '{print $2}')
bench "STOCK SITE $BUSY" STOCK SITE "$BUSY" COUNT 1000
bench "SITE LIST EXPIRED" SITE LIST EXPIRED COUNT 1000
if [ "${KEEP:-1}" = 0 ]; then
	rm -rf "$WORK"
fi
