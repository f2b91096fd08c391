#!/usr/bin/env bash
# Starts a second RabbitMQ node for the fault drills (apps/bus/test/faults/), so a drill that stops
# or restarts its broker never disturbs the default node other tests and programs use.
# Idempotent: does nothing when the node already answers. Boot takes about 15 s.
#   BUS_FAULT_BROKER_NODE  node name        (default faults@localhost)
#   BUS_FAULT_BROKER_PORT  AMQP port        (default 5673; the distribution port is this + 20000)
#   BUS_FAULT_BROKER_BASE  its own folders  (default /var/lib/rabbitmq-faults)
set -euo pipefail

NODE="${BUS_FAULT_BROKER_NODE:-faults@localhost}"
PORT="${BUS_FAULT_BROKER_PORT:-5673}"
BASE="${BUS_FAULT_BROKER_BASE:-/var/lib/rabbitmq-faults}"

ping_node() { rabbitmq-diagnostics -n "$NODE" -q ping -t 5 >/dev/null 2>&1; }

if ping_node; then
  echo "fault broker $NODE already up"
  exit 0
fi

mkdir -p "$BASE/mnesia" "$BASE/log"
echo '[].' > "$BASE/enabled_plugins"
cat > "$BASE/rabbitmq.conf" <<CONF
listeners.tcp.local = 127.0.0.1:$PORT
loopback_users = none
CONF
chown -R rabbitmq:rabbitmq "$BASE"

RABBITMQ_NODENAME="$NODE" \
RABBITMQ_NODE_PORT="$PORT" \
RABBITMQ_DIST_PORT="$((PORT + 20000))" \
RABBITMQ_MNESIA_BASE="$BASE/mnesia" \
RABBITMQ_LOG_BASE="$BASE/log" \
RABBITMQ_PID_FILE="$BASE/$NODE.pid" \
RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins" \
RABBITMQ_CONFIG_FILE="$BASE/rabbitmq.conf" \
  rabbitmq-server -detached

# await_startup fails when called before the node registers, so ping first.
for _ in $(seq 1 90); do ping_node && break; sleep 1; done
ping_node || { echo "fault broker $NODE did not start; see $BASE/log"; exit 1; }
rabbitmqctl -n "$NODE" await_startup >/dev/null
echo "fault broker $NODE up on 127.0.0.1:$PORT"
