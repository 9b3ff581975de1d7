#!/usr/bin/env bash
# Broker-initiated Basic.Cancel: consumer `pika-consumer-cancelled` (T=4) consumes cancel.q; a second pika
# connection `pika-queue-deleter` publishes two messages to it and then deletes the queue, so RabbitMQ cancels the
# consumer (consumer_cancel_notify). The consumer closes cleanly 2 s later.
set -u
here=$(dirname "$0"); py=/usr/bin/python3
$py "$here/pika_cancel_consumer.py" pika-consumer-cancelled cancel.q 4 2 30 & c=$!
sleep 1
$py - <<'PY'
import time, pika
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=4,
        client_properties={'connection_name': 'pika-queue-deleter'}))
ch = conn.channel()
for i in range(2):
    ch.basic_publish('', 'cancel.q', f'message {i}'.encode())
conn.process_data_events(time_limit=2)
ok = ch.queue_delete('cancel.q')
print(f'pika-queue-deleter: deleted cancel.q at {time.strftime("%T")}: {ok.method}', flush=True)
conn.close()
PY
wait $c
