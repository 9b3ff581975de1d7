#!/usr/bin/env bash
# The broker (beam.smp) is frozen with SIGSTOP while an idle pika client (T=4) waits in process_data_events; pika
# sees no bytes for T+5..2(T+5) s, raises AMQPHeartbeatTimeout and drops the socket. The broker is resumed after.
# Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl.
set -u
here=$(dirname "$0")
beam=$(rabbitmqctl -q -n rabbit@localhost eval 'os:getpid().' | tr -d '"')   # pid of this broker's beam.smp
/usr/bin/python3 "$here/pika_idle.py" pika-broker-frozen 60 & c=$!
sleep 3
kill -STOP "$beam"; echo "SIGSTOP broker $beam at $(date +%T.%N)"
wait $c
sleep 2
kill -CONT "$beam"; echo "SIGCONT broker at $(date +%T.%N)"
sleep 3
