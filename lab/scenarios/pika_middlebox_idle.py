"""pika consumer with heartbeats disabled (Tune-Ok heartbeat=0), the classic victim of a middlebox idle timeout:
connects to HOST, declares QUEUE (auto-delete), consumes it (manual ack), idles IDLE s in process_data_events
(nothing on the wire), then publishes one message to QUEUE through the default exchange and keeps reading for 3 s
so that an error surfaces. Prints wall-clock times and how the connection ended.
Usage: pika_middlebox_idle.py NAME IDLE QUEUE HOST"""
import sys, time, datetime, pika
name, idle, queue, host = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
ts = lambda: datetime.datetime.now().strftime('%H:%M:%S.%f')
conn = pika.BlockingConnection(pika.ConnectionParameters(host, heartbeat=0,
        client_properties={'connection_name': name}))
ch = conn.channel()
ch.queue_declare(queue, auto_delete=True)
ch.basic_consume(queue, lambda c, m, p, b: print(f'{ts()} delivery {b!r}', flush=True))
print(f'{ts()} consuming {queue}, idle {idle} s', flush=True)
t0 = time.time()
try:
    while time.time() - t0 < idle:
        conn.process_data_events(time_limit=0.5)
    print(f'{ts()} publishing one message', flush=True)
    ch.basic_publish('', queue, b'after-idle', pika.BasicProperties(message_id=f'{name}-1'))
    t1 = time.time()
    while time.time() - t1 < 3:
        conn.process_data_events(time_limit=0.5)
    conn.close(); print(f'{ts()} closed cleanly (no middlebox?)', flush=True)
except Exception as e:
    print(f'{ts()} {time.time() - t0:.3f}s after the idle began: {e!r}', flush=True)
