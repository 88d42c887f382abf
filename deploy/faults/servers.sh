#!/usr/bin/env bash
# Servers of their own for the fault drills (tests/faults), so that restarting them mid-stream
# never touches the RabbitMQ and PostgreSQL that everything else uses.
#
#   servers.sh start   a standalone RabbitMQ node f1@localhost (AMQP 5691) and a PostgreSQL cluster
#                      "<version> faults" (port 5434, trust auth on loopback); prints the env to use
#   servers.sh env     the env lines only
#   servers.sh stop    stop both and delete their data
#
# The drills read FUNDLINK_FAULT_RABBIT_NODE, FUNDLINK_FAULT_AMQP_PORT, FUNDLINK_FAULT_PG_CLUSTER and
# DATABASE_URL; without them they act on the main servers (then run them alone).
set -euo pipefail

BASE=${FUNDLINK_FAULTS_DIR:-/var/tmp/fundlink-faults}
NODE=f1@localhost
AMQP_PORT=5691
PG_PORT=5434
PG_VERSION=$(ls /etc/postgresql | sort -n | tail -1)

env_lines() {
    echo "FUNDLINK_FAULT_RABBIT_NODE=$NODE"
    echo "FUNDLINK_FAULT_AMQP_PORT=$AMQP_PORT"
    echo "FUNDLINK_FAULT_PG_CLUSTER='$PG_VERSION faults'"
    echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
}

rabbit_up() { rabbitmqctl -q -n "$NODE" ping >/dev/null 2>&1; }

start_rabbit() {
    rabbit_up && return 0
    mkdir -p "$BASE/f1/mnesia" "$BASE/f1/log" "$BASE/f1/etc"
    cat >"$BASE/f1/etc/rabbitmq.conf" <<CONF
listeners.tcp.local = 127.0.0.1:$AMQP_PORT
loopback_users = none
CONF
    echo "[]." >"$BASE/f1/etc/enabled_plugins"
    printf 'NODENAME=%s\nERL_EPMD_ADDRESS=127.0.0.1\n' "$NODE" >"$BASE/f1/etc/rabbitmq-env.conf"
    chown -R rabbitmq:rabbitmq "$BASE/f1"
    env RABBITMQ_NODENAME="$NODE" RABBITMQ_NODE_PORT="$AMQP_PORT" RABBITMQ_DIST_PORT=25691 \
        RABBITMQ_MNESIA_BASE="$BASE/f1/mnesia" RABBITMQ_LOG_BASE="$BASE/f1/log" \
        RABBITMQ_CONFIG_FILE="$BASE/f1/etc/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/f1/etc/enabled_plugins" \
        RABBITMQ_CONF_ENV_FILE="$BASE/f1/etc/rabbitmq-env.conf" RABBITMQ_PID_FILE="$BASE/f1/f1.pid" \
        ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        rabbitmq-server -detached
    local tries=0
    until rabbit_up; do
        tries=$((tries + 1))
        if [ $tries -gt 120 ]; then echo "RabbitMQ $NODE did not start; see $BASE/f1/log" >&2; exit 1; fi
        sleep 0.5
    done
    rabbitmqctl -q -n "$NODE" await_startup --timeout 120 >/dev/null
}

start_pg() {
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION faults"; then
        pg_createcluster "$PG_VERSION" faults -p "$PG_PORT" -- -A trust >/dev/null
    fi
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" faults start 2>/dev/null || true
    local tries=0
    until pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; do
        tries=$((tries + 1))
        if [ $tries -gt 60 ]; then echo "PostgreSQL $PG_VERSION/faults did not start" >&2; exit 1; fi
        sleep 0.5
    done
}

case "${1:-}" in
    start) start_rabbit >&2; start_pg >&2; env_lines ;;
    env) env_lines ;;
    stop)
        rabbitmqctl -q -n "$NODE" stop >/dev/null 2>&1 || true
        rm -rf "$BASE/f1"
        if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION faults"; then
            pg_dropcluster --stop "$PG_VERSION" faults
        fi ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
