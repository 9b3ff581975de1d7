#!/usr/bin/env bash
# Connection.Blocked / Unblocked: a pika publisher runs while a memory alarm is raised for ~10 s and cleared.
# Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl. Restores the watermark to 0.4.
set -u
here=$(dirname "$0")
/usr/bin/python3 "$here/pika_blocked_publisher.py" 18 2000 0.05 & p=$!
sleep 3
rabbitmqctl -q -n rabbit@localhost set_vm_memory_high_watermark 0.00001; echo "alarm set $(date +%T.%N)"
sleep 10
rabbitmqctl -q -n rabbit@localhost set_vm_memory_high_watermark 0.4; echo "alarm cleared $(date +%T.%N)"
wait $p
