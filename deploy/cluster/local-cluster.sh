#!/usr/bin/env bash
# A local 3-node RabbitMQ cluster (c1..c3@localhost) beside the main node, without Docker.
#
#   local-cluster.sh start            start the nodes that are not running, cluster them (idempotent)
#   local-cluster.sh stop             stop c1..c3 and delete their data and logs
#   local-cluster.sh status           running nodes as the cluster sees them
#   local-cluster.sh uri [VHOST]      the failover AMQP URI for kombu (amqp://…:5681/V;amqp://…:5682/V;…)
#   local-cluster.sh kill cN          SIGKILL one node (a crash, not a shutdown)
#   local-cluster.sh pid cN           the OS pid of one node
#   local-cluster.sh start-node cN    start one node (a killed node rejoins its cluster by itself)
#   local-cluster.sh detach cN        take cN out of the cluster as a standalone node (benchmarks);
#                                     the next `start` joins it again
#
# It never touches the main node rabbit@localhost (5672): every command names -n cN@localhost.
# Nodes run as the rabbitmq user (the wrapper su's to it), so its ~/.erlang.cookie is shared
# by every node and by rabbitmqctl. Ports of node N: AMQP 568N, distribution 2568N,
# management 1568N, prometheus 1579N.
set -euo pipefail

BASE=${FUNDLINK_CLUSTER_DIR:-/var/tmp/fundlink-cluster}
HOST=localhost
NODES=(c1 c2 c3)

node_name() { echo "$1@$HOST"; }
node_index() { echo "${1#c}"; }
amqp_port() { echo $((5680 + $(node_index "$1"))); }

ctl() { local node=$1; shift; rabbitmqctl -q -n "$(node_name "$node")" "$@"; }

running() { ctl "$1" ping >/dev/null 2>&1; }

prepare() {
    local n=$1 i dir
    i=$(node_index "$n")
    dir="$BASE/$n"
    mkdir -p "$dir/mnesia" "$dir/log" "$dir/etc"
    cat >"$dir/etc/rabbitmq.conf" <<CONF
listeners.tcp.local = 127.0.0.1:$(amqp_port "$n")
management.tcp.port = $((15680 + i))
management.tcp.ip = 127.0.0.1
prometheus.tcp.port = $((15790 + i))
prometheus.tcp.ip = 127.0.0.1
loopback_users = none
cluster_partition_handling = pause_minority
CONF
    echo "[rabbitmq_management,rabbitmq_prometheus]." >"$dir/etc/enabled_plugins"
    # Not /etc/rabbitmq/rabbitmq-env.conf: that one names the main node.
    cat >"$dir/etc/rabbitmq-env.conf" <<CONF
NODENAME=$(node_name "$n")
ERL_EPMD_ADDRESS=127.0.0.1
CONF
    chown -R rabbitmq:rabbitmq "$dir"
}

start_node() {
    local n=$1 i dir
    i=$(node_index "$n")
    dir="$BASE/$n"
    if running "$n"; then return 0; fi
    prepare "$n"
    env RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
        RABBITMQ_DIST_PORT=$((25680 + i)) RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_CONFIG_FILE="$dir/etc/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/etc/enabled_plugins" \
        RABBITMQ_CONF_ENV_FILE="$dir/etc/rabbitmq-env.conf" RABBITMQ_PID_FILE="$dir/$n.pid" \
        ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        rabbitmq-server -detached
}

await_node() {
    local n=$1 tries=0
    until running "$n"; do
        tries=$((tries + 1))
        if [ $tries -gt 120 ]; then echo "$n did not start; see $BASE/$n/log" >&2; exit 1; fi
        sleep 0.5
    done
    ctl "$n" await_startup --timeout 120 >/dev/null
}

clustered_with_c1() {
    ctl "$1" cluster_status --formatter json 2>/dev/null | grep -q "\"$(node_name c1)\""
}

cmd_start() {
    for n in "${NODES[@]}"; do start_node "$n"; done
    for n in "${NODES[@]}"; do await_node "$n"; done
    for n in c2 c3; do
        if ! clustered_with_c1 "$n"; then
            ctl "$n" stop_app >/dev/null 2>&1
            ctl "$n" reset >/dev/null 2>&1
            ctl "$n" join_cluster "$(node_name c1)" >/dev/null 2>&1
            ctl "$n" start_app >/dev/null 2>&1
            ctl "$n" await_startup --timeout 120 >/dev/null
        fi
    done
    cmd_status
}

cmd_stop() {
    for n in "${NODES[@]}"; do
        if running "$n"; then ctl "$n" stop >/dev/null 2>&1 || true; fi
        # A node that has just stopped removes its pid file by itself: gone between test and read is fine.
        if pid=$(cat "$BASE/$n/$n.pid" 2>/dev/null) && is_node_pid "$n" "$pid"; then kill -9 "$pid" || true; fi
    done
    rm -rf "${BASE:?}"/c1 "${BASE:?}"/c2 "${BASE:?}"/c3
}

cmd_status() {
    local any=0
    for n in "${NODES[@]}"; do
        if running "$n"; then
            any=1
            echo "$(node_name "$n") up amqp=$(amqp_port "$n")"
        else
            echo "$(node_name "$n") down amqp=$(amqp_port "$n")"
        fi
    done
    for n in "${NODES[@]}"; do
        if running "$n"; then
            echo "running_nodes: $(ctl "$n" eval 'rabbit_nodes:all_running().' 2>/dev/null | tr -d '\n ')"
            break
        fi
    done
    [ $any = 1 ]
}

cmd_pid() { cat "$BASE/$1/$1.pid"; }

# The pid is one of our nodes only if its environment names it (pids get reused).
is_node_pid() {
    tr '\0' '\n' <"/proc/$2/environ" 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$(node_name "$1")"
}

cmd_kill() {
    local pid
    pid=$(cmd_pid "$1")
    is_node_pid "$1" "$pid" || { echo "$1 is not running" >&2; exit 1; }
    kill -9 "$pid"
}

cmd_detach() {
    local n=$1 other
    [ "$n" != c1 ] || { echo "detach c2 or c3; c1 is the node the others join" >&2; exit 2; }
    other=c1
    ctl "$n" stop_app >/dev/null 2>&1
    ctl "$other" forget_cluster_node "$(node_name "$n")" >/dev/null 2>&1
    ctl "$n" reset >/dev/null 2>&1
    ctl "$n" start_app >/dev/null 2>&1
    ctl "$n" await_startup --timeout 120 >/dev/null
}

cmd_uri() {
    local vhost=${1:-%2F} uris=()
    for n in "${NODES[@]}"; do uris+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")/$vhost"); done
    (IFS=';'; echo "${uris[*]}")
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    uri) cmd_uri "${2:-}" ;;
    pid) cmd_pid "$2" ;;
    kill) cmd_kill "$2" ;;
    start-node) start_node "$2"; await_node "$2" ;;
    detach) cmd_detach "$2" ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
