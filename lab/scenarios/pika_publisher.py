"""pika publisher: COUNT messages of SIZE bytes to QUEUE (default exchange), one every INTERVAL s,
each with a message_id; the I/O loop runs between publishes. Closes cleanly at the end.
Usage: pika_publisher.py NAME QUEUE COUNT INTERVAL SIZE [heartbeat=4]"""
import sys, time, pika
name, queue, count, interval, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
hb = int(sys.argv[6]) if len(sys.argv) > 6 else 4
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=hb,
        client_properties={'connection_name': name}))
ch = conn.channel()
ch.queue_declare(queue)
body = b'x' * size
for i in range(count):
    ch.basic_publish('', queue, body, pika.BasicProperties(message_id=f'{name}-{i}'))
    conn.process_data_events(time_limit=interval)
conn.close()
print(f'{name}: published {count}', flush=True)
