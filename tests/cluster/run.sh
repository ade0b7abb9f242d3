#!/bin/sh
# Three nats-servers and three yimads on 127.0.0.1, one cluster (daemon/CLUSTER.md).
#   tests/cluster/run.sh start [DIR]    start them (default DIR: var/cluster): the NATS
#                                       servers (tests/cluster/nats.sh), then y1..y3,
#                                       each with its config, data and log in DIR/yN;
#                                       prints each yimad's port
#   tests/cluster/run.sh status [DIR]   INFO replication of each yimad
#   tests/cluster/run.sh stop [DIR]     SIGTERM each yimad, then each nats-server, by pid
# Free ports are picked at start; DIR/yN/port holds each yimad's.  bin/ must be built.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:-}
dir=${2:-$root/var/cluster}
yimad=$root/bin/yimad
yima=$root/bin/yima

wait_port() {	# wait_port FILE PID: until yimad wrote its port (30 s at most)
	i=0
	while [ ! -s "$1" ]; do
		if ! kill -0 "$2" 2>/dev/null || [ $i -ge 300 ]; then
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

case $cmd in
start)
	if [ -e "$dir/cluster.pids" ]; then
		echo "run.sh: $dir holds a cluster already (run.sh stop $dir first)" >&2
		exit 1
	fi
	mkdir -p "$dir"
	urls=$("$root/tests/cluster/nats.sh" start "$dir/nats" | tail -n 1)
	: > "$dir/cluster.pids"
	for n in 1 2 3; do
		d=$dir/y$n
		mkdir -p "$d"
		cat > "$d/yimad.conf" <<-EOF
		bind = 127.0.0.1
		port = 0
		port_file = $d/port
		data = $d/data
		cluster_nats_urls = $urls
		node_name = y$n
		cluster_max_bytes = 1GiB
		EOF
		rm -f "$d/port"
		"$yimad" --config "$d/yimad.conf" > "$d/yimad.log" 2>&1 &
		echo $! >> "$dir/cluster.pids"
		if ! wait_port "$d/port" $!; then
			echo "run.sh: y$n did not start; $d/yimad.log:" >&2
			tail -n 5 "$d/yimad.log" >&2
			"$0" stop "$dir"
			exit 1
		fi
		echo "y$n: 127.0.0.1:$(head -n 1 "$d/port") (log $d/yimad.log)"
	done
	echo "NATS: $urls"
	echo "try: bin/yima -h $(for n in 1 2 3; do printf '127.0.0.1:%s,' "$(head -n 1 "$dir/y$n/port")"; done | sed 's/,$//') ping"
	;;
status)
	for n in 1 2 3; do
		echo "y$n:"
		"$yima" -p "$(head -n 1 "$dir/y$n/port")" INFO replication || true
	done
	;;
stop)
	if [ -e "$dir/cluster.pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done < "$dir/cluster.pids"
		while read -r pid; do
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		done < "$dir/cluster.pids"
		rm -f "$dir/cluster.pids"
	fi
	if [ -e "$dir/nats/cluster.json" ]; then
		"$root/tests/cluster/nats.sh" stop "$dir/nats"
	fi
	;;
*)
	echo "usage: $0 start|status|stop [DIR]" >&2
	exit 2
	;;
esac
