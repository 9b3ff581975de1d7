"""pika consumer that the broker cancels: consumes QUEUE (manual acks) with an on-cancel callback; once Basic.Cancel
arrives (the queue was deleted) it keeps its I/O loop running for AFTER s, then closes cleanly. pika advertises the
client capability consumer_cancel_notify=True in Start-Ok, so RabbitMQ sends it Basic.Cancel.
Usage: pika_cancel_consumer.py NAME QUEUE [heartbeat=4] [after_s=2] [max_s=30]"""
import sys, time, pika
name, queue = sys.argv[1], sys.argv[2]
hb = int(sys.argv[3]) if len(sys.argv) > 3 else 4
after = float(sys.argv[4]) if len(sys.argv) > 4 else 2
max_s = float(sys.argv[5]) if len(sys.argv) > 5 else 30
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=hb,
        client_properties={'connection_name': name}))
ch = conn.channel()
ch.queue_declare(queue)
cancelled = []
def on_cancel(method_frame):
    cancelled.append(time.time())
    print(f'{name}: Basic.Cancel from the broker: {method_frame.method}', flush=True)
ch.add_on_cancel_callback(on_cancel)
def on_msg(ch, m, props, body):
    print(f'{name}: tag={m.delivery_tag} {body!r}', flush=True)
    ch.basic_ack(m.delivery_tag)
tag = ch.basic_consume(queue, on_msg)
print(f'{name}: consuming {queue} as {tag}', flush=True)
t0 = time.time()
while time.time() - t0 < max_s and not (cancelled and time.time() - cancelled[0] >= after):
    conn.process_data_events(time_limit=0.2)
conn.close()
print(f'{name}: closed cleanly ({"cancelled" if cancelled else "never cancelled"})', flush=True)
