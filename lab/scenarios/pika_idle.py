"""pika client idle in process_data_events for RUN s (T=4), printing how it ends. Usage: pika_idle.py NAME [run_s] [host]"""
import sys, time, pika
name = sys.argv[1]; run = float(sys.argv[2]) if len(sys.argv) > 2 else 30
host = sys.argv[3] if len(sys.argv) > 3 else '127.0.0.1'
conn = pika.BlockingConnection(pika.ConnectionParameters(host, heartbeat=4, client_properties={'connection_name': name}))
ch = conn.channel()
t0 = time.time()
try:
    while time.time() - t0 < run:
        conn.process_data_events(time_limit=0.5)
    conn.close(); print('closed cleanly', flush=True)
except Exception as e:
    print(f'{time.time() - t0:.3f}s after connect: {e!r}', flush=True)
