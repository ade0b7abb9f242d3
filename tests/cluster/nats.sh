#!/bin/sh
# Three nats-server processes in one JetStream cluster on 127.0.0.1, for
# tests/cluster/run.sh and by hand.
#   tests/cluster/nats.sh start DIR     start them (config, stores and logs in
#                                       DIR/n1..n3), wait for a meta leader,
#                                       print the client URLs
#   tests/cluster/nats.sh urls DIR      print the client URLs again
#   tests/cluster/nats.sh kill9 DIR N   kill -9 node N (1..3)
#   tests/cluster/nats.sh restart DIR N start node N again on its store
#   tests/cluster/nats.sh stop DIR      SIGTERM each node, by its pid
# The ports are free ones picked at start; DIR/cluster.json keeps them and
# the pids.  See tests/integration/natsctl.py.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
	echo "usage: $0 start|urls|stop DIR, or $0 kill9|restart DIR NODE" >&2
	exit 2
fi
exec python3 "$here/../integration/natsctl.py" "$@"
