"""pika consumer: manual acks, prefetch, a short 'work' per message, I/O loop kept running.
Usage: pika_consumer.py NAME QUEUE [heartbeat=4] [prefetch=5] [work_s=0.05] [run_s=30]
Prints one line per delivery (tag, redelivered, message_id). Closes cleanly after run_s."""
import sys, time, pika
name, queue = sys.argv[1], sys.argv[2]
hb = int(sys.argv[3]) if len(sys.argv) > 3 else 4
prefetch = int(sys.argv[4]) if len(sys.argv) > 4 else 5
work = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
run = float(sys.argv[6]) if len(sys.argv) > 6 else 30
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=hb,
        client_properties={'connection_name': name}))
ch = conn.channel()
ch.queue_declare(queue)
ch.basic_qos(prefetch_count=prefetch)
def on_msg(ch, m, props, body):
    print(f'{name}: tag={m.delivery_tag} redelivered={m.redelivered} id={props.message_id} {len(body)}B', flush=True)
    time.sleep(work)
    ch.basic_ack(m.delivery_tag)
ch.basic_consume(queue, on_msg)
end = time.time() + run
while time.time() < end:
    conn.process_data_events(time_limit=0.2)
conn.close()
print(f'{name}: closed', flush=True)
