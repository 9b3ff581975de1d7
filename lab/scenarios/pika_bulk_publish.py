"""pika BlockingConnection `pika-bulk-publish` (T=4) writes N messages of SIZE bytes to `bulk.q` in one burst
(no confirms: basic_publish only buffers, so the frames leave back to back), then closes cleanly.
Usage: pika_bulk_publish.py [N=170] [SIZE=65536]"""
import sys, pika
n = int(sys.argv[1]) if len(sys.argv) > 1 else 170
size = int(sys.argv[2]) if len(sys.argv) > 2 else 65536
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=4,
        client_properties={'connection_name': 'pika-bulk-publish'}))
ch = conn.channel()
ch.queue_declare('bulk.q')
ch.queue_purge('bulk.q')
body = b'B' * size
for i in range(n):
    ch.basic_publish('', 'bulk.q', body)
conn.process_data_events(time_limit=0.5)
conn.close()
