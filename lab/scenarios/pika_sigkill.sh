#!/usr/bin/env bash
# A pika consumer (T=4, prefetch 5, 1 s of work per message) is killed with SIGKILL mid-consume.
set -u
here=$(dirname "$0"); py=/usr/bin/python3
$py "$here/pika_publisher.py" pika-sigkill-publisher sigkill.q 10 0.01 200
$py "$here/pika_consumer.py" pika-sigkill-consumer sigkill.q 4 5 1.0 30 & c=$!
sleep 2.5
kill -KILL $c; echo "SIGKILL consumer at $(date +%T.%N)"; wait $c 2>/dev/null
