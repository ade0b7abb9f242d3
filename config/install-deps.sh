#!/bin/sh
# Make sure everything yima needs to build and test is installed.
#   install-deps.sh          build and test dependencies
#   install-deps.sh fuzz     ... and clang for the libFuzzer targets
#   install-deps.sh bench    ... and PostgreSQL, which tests/bench/run.sh compares too
#
# Checks pkg-config modules and commands; when something is missing it
# installs the Debian packages that provide it (as root, running
# `apt-get update` first when the package lists are empty).  Without root it
# prints the exact command to run and fails.
set -eu

missing=""
need_pkg() {  # need_pkg PKG-CONFIG-MODULE DEBIAN-PACKAGE
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() {  # need_cmd COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
need_cmd python3 python3
need_cmd redis-cli redis-tools
need_cmd redis-benchmark redis-tools
need_cmd redis-server redis-server	# yima-bench's Redis target (tested)
need_cmd dot graphviz		# yima impact --svg (tested)
need_cmd openssl openssl	# test certificates (config/gen-dev-certs.sh)
# Cluster mode replicates through NATS JetStream: the tests run their own
# nats-server processes (tests/integration/natsctl.py), never the packaged
# service.
need_cmd nats-server nats-server
need_cmd mdb_dump lmdb-utils	# test_cluster: a log difference is printed
# The integration tests validate yima-gen's EPCIS output against GS1's schema.
python3 -c 'import jsonschema' 2>/dev/null || missing="$missing python3-jsonschema"
# The HTTP tests parse /metrics with Prometheus's own exposition parser,
# Debian's package (found in the system's dist-packages by any python3).
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
	missing="$missing python3-prometheus-client"
# The Redis-compatibility tests talk to yimad with Redis's own clients:
# redis-cli (redis-tools, above) and Python's redis package (Debian's, in
# the system's dist-packages).
/usr/bin/python3 -c 'import redis' 2>/dev/null || missing="$missing python3-redis"
# The web page tests drive headless Chromium through Selenium (Debian's
# packages; chromium-driver is the chromedriver Selenium talks to).
need_cmd chromium chromium
need_cmd chromedriver chromium-driver
/usr/bin/python3 -c 'import selenium' 2>/dev/null || missing="$missing python3-selenium"
if [ "${1:-}" = fuzz ]; then
	need_cmd clang clang
fi
if [ "${1:-}" = bench ]; then
	need_cmd wrk wrk	# tests/bench/http_bench.py: HTTP beside RESP
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
fi
if command -v pkg-config >/dev/null 2>&1; then
	need_pkg libevent libevent-dev
	need_pkg libevent_pthreads libevent-dev
	need_pkg libevent_openssl libevent-dev
	need_pkg lmdb liblmdb-dev
	need_pkg openssl libssl-dev
	need_pkg cmocka libcmocka-dev
	need_pkg inih libinih-dev
	need_pkg jansson libjansson-dev
	need_pkg libzstd libzstd-dev	# packed log entries (daemon/entry.c)
	need_pkg libpq libpq-dev
	need_pkg libnats libnats-dev	# nats.c, the JetStream client (daemon/stream.c)
else
	missing="$missing libevent-dev liblmdb-dev libssl-dev libcmocka-dev libinih-dev libjansson-dev libzstd-dev libpq-dev libnats-dev"
fi

[ -z "$missing" ] && exit 0

# Remove duplicates, keep order.
pkgs=$(printf '%s\n' $missing | awk '!seen[$0]++' | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
	echo "yima: missing build/test dependencies. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
	exit 1
fi
echo "yima: installing $pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
# On a host run by systemd, installing nats-server enables and starts its
# packaged service (nats-server -c /etc/nats-server.conf, 127.0.0.1:4222).
# yima runs its own nats-servers with their own config; if this install is
# what starts the service, it is stopped and disabled again below.  A
# service that was installed before, by someone else, is left alone.
nats_new=no
case " $pkgs " in *" nats-server "*) nats_new=yes ;; esac
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')" ]; then
	apt-get update -q >&2
fi
if ! apt-get install -y -q $pkgs >&2; then
	# Package lists may be stale rather than empty: refresh once and retry.
	apt-get update -q >&2
	apt-get install -y -q $pkgs >&2
fi
if [ "$nats_new" = yes ] && [ -d /run/systemd/system ] &&
   systemctl is-active --quiet nats-server.service 2>/dev/null; then
	echo "yima: stopping and disabling the nats-server.service this install started" >&2
	systemctl disable --now nats-server.service >&2 || true
fi
