"""pika publisher (T=4) that keeps publishing SIZE-byte messages every INTERVAL s for RUN s, logging
Connection.Blocked/Unblocked. While blocked, basic_publish blocks inside pika's I/O loop (heartbeats still run).
Usage: pika_blocked_publisher.py [run_s=20] [size=8000] [interval=0.05]"""
import sys, time, pika
run = float(sys.argv[1]) if len(sys.argv) > 1 else 20
size = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=4,
        client_properties={'connection_name': 'pika-blocked-publisher'}))
conn.add_on_connection_blocked_callback(lambda c, m: print(time.strftime('%T'), 'blocked:', m.method.reason, flush=True))
conn.add_on_connection_unblocked_callback(lambda c, m: print(time.strftime('%T'), 'unblocked', flush=True))
ch = conn.channel()
ch.queue_declare('blocked.q')
body = b'b' * size
n = 0; end = time.time() + run
while time.time() < end:
    ch.basic_publish('', 'blocked.q', body, pika.BasicProperties(message_id=f'blk-{n}')); n += 1
    conn.process_data_events(time_limit=interval)
ch.queue_purge('blocked.q')
conn.close()
print('published', n, flush=True)
