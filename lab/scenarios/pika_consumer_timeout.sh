#!/usr/bin/env bash
# consumer_timeout: consumer A never acks; standby consumer B (started after A got the message) receives the
# message redelivered once the broker closes A's channel. Broker: EXTRA_CONF='consumer_timeout = 5000'
# ADVANCED='[{rabbit, [{channel_tick_interval, 1000}]}].' ../broker.sh start
here=$(dirname "$0"); py=/usr/bin/python3
$py "$here/pika_consumer_timeout.py" 14 & a=$!
sleep 1
$py "$here/pika_consumer.py" pika-standby-consumer ct.q 4 1 0.05 14 & b=$!
wait $a $b
