#!/usr/bin/env bash
# A pika consumer (A) frozen with SIGSTOP while a publisher keeps the queue fed; a second consumer (B) on the
# same queue gets A's unacked messages redelivered once the broker has reset A (missed heartbeats).
# Usage (under rec.sh): pika_sigstop.sh SIZE INTERVAL COUNT [prefetch=5]
#   small messages (2000 B) keep A's receive window open; big ones (200000 B) drive it to zero.
set -u
here=$(dirname "$0"); py=/usr/bin/python3
size=$1 interval=$2 count=$3 prefetch=${4:-5}
$py "$here/pika_consumer.py" pika-sigstop-consumer sigstop.q 4 "$prefetch" 0.05 60 > /tmp/sigstop-a.log 2>&1 & a=$!
sleep 0.3
$py "$here/pika_consumer.py" pika-standby-consumer sigstop.q 4 "$prefetch" 0.05 22 > /tmp/sigstop-b.log 2>&1 & b=$!
sleep 0.3
$py "$here/pika_publisher.py" pika-sigstop-publisher sigstop.q "$count" "$interval" "$size" > /tmp/sigstop-p.log 2>&1 & p=$!
sleep 3
kill -STOP $a; echo "SIGSTOP consumer A (pid $a) at $(date +%T.%N)"
wait $p; wait $b
kill -KILL $a; wait $a 2>/dev/null
cat /tmp/sigstop-p.log; grep -c tag= /tmp/sigstop-a.log; grep -E 'redelivered=True|closed' /tmp/sigstop-b.log | head -20
