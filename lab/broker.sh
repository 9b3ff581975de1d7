#!/usr/bin/env bash
# broker.sh start|stop: runs the lab RabbitMQ (Debian rabbitmq-server) with extra configuration, for the scenarios
# that need it. State lives under /tmp/amqp-lab/rmq, the same place ../../shared/lab/broker.sh uses, so either
# script can stop a broker the other started (RABBITMQ_MNESIA_BASE/HOME as in README.md).
#   EXTRA_CONF  extra rabbitmq.conf lines (e.g. "consumer_timeout = 5000"); listeners default to 127.0.0.1:5672
#   ADVANCED    an Erlang term for advanced.config (e.g. "[{rabbit, [{channel_tick_interval, 1000}]}].")
set -eu
dir=/tmp/amqp-lab/rmq
export RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log RABBITMQ_NODENAME=rabbit@localhost HOME=$dir
case ${1:-start} in
start)
  command -v rabbitmq-server >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server; }
  mkdir -p "$dir/mnesia" "$dir/log"
  { printf 'loopback_users = none\nheartbeat = 60\n'
    [[ ${EXTRA_CONF:-} == *listeners.tcp* ]] || echo 'listeners.tcp.default = 127.0.0.1:5672'
    printf '%b\n' "${EXTRA_CONF:-}"; } > "$dir/lab.conf"
  echo "${ADVANCED:-[].}" > "$dir/lab-advanced.config"
  chown -R rabbitmq:rabbitmq "$dir"; chmod 755 "$(dirname "$dir")"
  export RABBITMQ_CONFIG_FILE=$dir/lab.conf RABBITMQ_ADVANCED_CONFIG_FILE=$dir/lab-advanced.config
  (setsid rabbitmq-server > "$dir/server.out" 2>&1 &)
  # wait until the node runs its apps (listeners are then open)
  for i in $(seq 90); do rabbitmqctl -q -n rabbit@localhost await_startup >/dev/null 2>&1 && { echo "broker up:"; ss -ltn | grep ':5672 '; exit 0; }; sleep 1; done
  echo "broker did not start; see $dir/server.out"; exit 1;;
stop)
  rabbitmqctl -q -n rabbit@localhost stop;;
esac
